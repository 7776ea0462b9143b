using System.Globalization;
using Matrix.Engine.Llm;
using Matrix.Engine.Runtime;
using Matrix.Hosting.Cli;

namespace Matrix.Hosting.Run;

/// <summary>
/// The end of <c>matrix run</c>: each rank's <see cref="RankResult"/>, gathered on rank 0, which writes the manifest
/// and the summary lines. Rank 0 speaks for the job; the others only return their exit code.
/// </summary>
internal static class RunReporter
{
    /// <summary>This rank's figures, as it sends them to rank 0.</summary>
    public static RankResult ResultOf(RankRun run, EngineOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(outcome);
        var (summary, content, llm, store) = (outcome.Summary, outcome.Content, run.LlmCounters, run.Store);
        var process = ProcessFigures.Capture();
        var transport = run.Session.Transport?.GetStatistics();
        return ToResult(run.Session, summary, llm, outcome) with
        {
            HopLatencyBuckets = summary.Latency.Hops.Trimmed(),
            TaskLatencyBuckets = summary.Latency.Tasks.Trimmed(),
            QueuedNanoseconds = summary.Latency.QueuedNanoseconds,
            TaskNanoseconds = summary.Latency.TaskNanoseconds,
            CpuSeconds = process.CpuSeconds,
            PeakMemoryBytes = process.PeakMemoryBytes,
            OffloadedBytes = content.OffloadedBytes,
            LlmMalformed = llm.Malformed,
            LlmContextLength = llm.ContextLengthRefusals,
            LlmEjections = llm.Ejections,
            LocalFetches = content.LocalFetches,
            RemoteFetches = content.RemoteFetches,
            StorePuts = store?.Statistics.Puts ?? 0,
            StoreBytesOnDisk = store?.Statistics.LogDiskBytes ?? 0,
            TransportBytesSent = transport?.Peers.Sum(p => p.BytesSent) ?? 0,
            HandshakeFailures = transport?.HandshakeFailures,
        };
    }

    /// <summary>
    /// Gathers every rank's <paramref name="mine"/>; on rank 0 writes the manifest and the summary lines. Returns the exit code.
    /// No cancellation: an interrupted run still reports the tasks it wrote.
    /// </summary>
    public static async Task<int> ReportAsync(RankRun run, RankResult mine, HostConsole console)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(mine);
        ArgumentNullException.ThrowIfNull(console);
        var (session, scenario, outDir, resume) = (run.Session, run.Plan.Scenario, run.Plan.OutDir, run.Resume);
        var reports = (await session.AllgatherAsync(mine.ToBytes(), CancellationToken.None).ConfigureAwait(false)).Select(RankResult.FromBytes).ToList();
        if (session.Rank != 0)
        {
            return mine.Cancelled ? ExitCodes.Interrupted : ExitCodes.Success;
        }

        if (resume is not null && reports.Sum(r => r.Admitted) == 0 && File.Exists(Path.Combine(outDir, ManifestWriter.FileName)))
        {
            await console.Out.WriteLineAsync($"{scenario.Name}: nothing to resume: every task of '{outDir}' already has a record ({resume.Done.Count} records)").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        await ManifestWriter.WriteAsync(
            outDir,
            new ManifestContent(scenario.Name, run.StartedAt, DateTimeOffset.UtcNow, run.Llm.Describe, session.Transport?.Secure, run.Plan.Settings, reports) { Resume = resume, Pools = run.Pools },
            CancellationToken.None).ConfigureAwait(false);

        var inv = CultureInfo.InvariantCulture;
        var total = (Admitted: reports.Sum(r => r.Admitted), Success: reports.Sum(r => r.Succeeded), Filtered: reports.Sum(r => r.Filtered), Failed: reports.Sum(r => r.Failed));
        if (resume is not null)
        {
            await console.Out.WriteLineAsync($"{scenario.Name}: resumed '{outDir}': {resume.Done.Count} tasks already had records, {resume.Retry.RecordsRemoved} failed records retried, {resume.Repair.Repaired.Count} parts repaired (their originals kept in damaged/), {resume.Repair.SetAside.Count} unreadable parts set aside in damaged/").ConfigureAwait(false);
        }

        var seconds = reports.Max(r => r.ElapsedSeconds);
        var ranks = session.Size == 1 ? string.Empty : string.Create(inv, $" on {session.Size} ranks");
        await console.Out.WriteLineAsync(string.Create(inv,
            $"{scenario.Name}: {total.Admitted} tasks ({total.Success} success, {total.Filtered} filtered, {total.Failed} failed){ranks} in {seconds:0.00} s, {total.Admitted / Math.Max(seconds, 1e-9):0} tasks/s -> {outDir} ({reports.Sum(r => r.Parts)} parts, {reports.Sum(r => r.Rows)} rows)")).ConfigureAwait(false);
        if (reports.Any(r => r.Cancelled))
        {
            await console.Error.WriteLineAsync("matrix: interrupted; the tasks admitted so far were written").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }

        return ExitCodes.Success;
    }

    private static RankResult ToResult(RankSession session, RunSummary s, LlmCounters llm, EngineOutcome outcome) => new(
        session.Rank,
        Environment.MachineName,
        s.Admitted,
        s.Succeeded,
        s.Filtered,
        s.Failed,
        s.Hops,
        s.PeakInFlight,
        s.PromptTokens,
        s.CompletionTokens,
        s.Elapsed.TotalSeconds,
        s.Cancelled,
        s.ReasonsByStatus.ToDictionary(kv => kv.Key, kv => kv.Value.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal), StringComparer.Ordinal),
        s.Metrics.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
        llm.Requests,
        llm.Retries,
        llm.Failures,
        outcome.Output.Rows,
        outcome.Output.Parts,
        outcome.Output.Bytes,
        [.. outcome.Output.Files],
        [.. s.Peers],
        session.FramesRejected,
        outcome.DecodeErrors);
}
