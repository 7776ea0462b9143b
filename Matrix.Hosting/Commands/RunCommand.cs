using System.Globalization;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Pools;
using Matrix.Engine.Metrics;
using Matrix.Engine.Output;
using Matrix.Engine.Runtime;
using Matrix.Engine.Runtime.Baselines;
using Matrix.Engine.Scenarios;
using Matrix.Hosting.Cli;
using Matrix.Hosting.Logging;
using Matrix.Hosting.Run;
using Matrix.Mpi.Transport;
using Matrix.Store.Arrow;
using Matrix.Store.Content;

namespace Matrix.Hosting.Commands;

/// <summary>
/// <c>matrix run</c>: resolves the settings, checks everything a user can get wrong before the first
/// task starts (scenario, keys, input, output directory, LLM endpoint), then composes the rank's
/// engine with its LLM client and Arrow sink, runs it and writes the manifest.
/// </summary>
internal static class RunCommand
{
    public static async Task<int> ExecuteAsync(RunVerb verb, IReadOnlyList<Scenario> scenarios, HostConsole console, CancellationToken cancellationToken)
    {
        RunSettingsResolver.CheckFlags(verb);

        // Logs go to stderr, user mistakes stay one plain line (MatrixHost.cs), stdout keeps the summary.
        var logRank = new LogRank();
        using var loggers = LogOptions.CreateFactory(console, verb.LogLevel, verb.LogFormat, logRank);
        var log = loggers.CreateLogger(HostLog.Category);
        var scenario = RunSettingsResolver.FindScenario(verb.Scenario, scenarios);
        var settings = RunSettingsResolver.Resolve(verb, scenario);
        if (verb.HelpSettings)
        {
            await SettingsHelp.WriteAsync(settings, console.Out).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var plan = RunPreflight.Check(scenario, settings, verb.Resume, verb.RetryFailed);
        var (scheduler, outDir, inputPath, identity) = (plan.Scheduler, plan.OutDir, plan.InputPath, plan.Identity);

        // The LLM pools are checked (settings, URL files, API keys, endpoints answering) before anything is written.
        var llmCounters = new LlmCounters();
        var llm = await RunPreflight.CreateLlmAsync(scenario, settings, llmCounters, loggers, cancellationToken).ConfigureAwait(false);
        await using var llmLifetime = llm as IAsyncDisposable ?? NoLifetime.Instance;

        // Every rank has checked the output directory (RunPreflight) before any rank can pass the transport's start barrier and write.
        await using var session = await RankSession.OpenAsync(settings, loggers, cancellationToken).ConfigureAwait(false);
        if (scheduler != SchedulerKind.P2p && session.Size > 1)
        {
            throw new UsageException(Schedulers.OneRankOnly(scheduler, session.Size));
        }

        if (session.Transport is NetMqPeerTransport transport)
        {
            var security = transport.Secure ? "CurveZMQ + job MAC" : "NOT secured (transport.secure=false)";
            log.Listening(session.Rank, session.Size, Environment.MachineName, transport.LocalEndpoint, security);
        }

        logRank.Value = session.Rank;

        // Live metrics (docs/metrics.md): bound now, so a port in use fails before anything is written.
        await using var metrics = MetricsEndpoint.Start(settings.GetInt(MetricsSettings.Port), session.Rank, TimeSpan.FromSeconds(settings.GetDouble(MetricsSettings.LingerSeconds)), cancellationToken);
        var resume = verb.Resume ? await ResumeState.LoadAsync(outDir, session, verb.RetryFailed, cancellationToken).ConfigureAwait(false) : null;
        if (resume is not null && session.Rank == 0)
        {
            log.Resuming(outDir, resume.Done.Count, resume.Retry.RecordsRemoved, resume.Repair.Repaired.Count, resume.Repair.SetAside.Count);
        }

        log.RunStarting(session.Rank, session.Size, scenario.Name, llm.Describe, outDir);
        if (!verb.Resume && session.Rank == 0)
        {
            await identity.WriteAsync(outDir, cancellationToken).ConfigureAwait(false);
        }

        var placement = Placement.FromSettings(settings, scenario.Roles.Select(r => r.Name), session.Size);
        var context = new ScenarioContext(settings, (ulong)settings.GetLong(EngineSettings.Seed), llm);
        var options = EngineOptions.FromSettings(settings, scenario.Roles.Select(r => r.Name)) with { AlreadyDone = resume is null ? null : resume.Done.Contains };
        var limit = (long?)settings.Get(EngineSettings.Tasks);

        await using var store = options.OffloadBytes > 0
            ? FasterContentStore.Open(new ContentStoreOptions
            {
                Directory = Path.Combine(outDir, WorkDirectory, string.Create(CultureInfo.InvariantCulture, $"rank-{session.Rank}")),
                Rank = session.Rank,
                MemoryBytes = settings.GetInt(EngineSettings.StoreMemoryMb) * (1L << 20),
                Logger = loggers.CreateLogger("Matrix.Store"),
            })
            : null;

        var startedAt = DateTimeOffset.UtcNow;
        RunSummary summary;
        SinkStatistics output;
        long decodeErrors;
        (long OffloadedBytes, long LocalFetches, long RemoteFetches) content;
        var sink = new ArrowTaskSinkFactory().Create(new SinkOptions(
            outDir,
            session.Rank,
            scenario.Name,
            scenario.Columns,
            settings.GetInt(EngineSettings.RowsPerBatch),
            settings.GetLong(EngineSettings.RowsPerPart),
            TimeSpan.FromSeconds(settings.GetDouble(EngineSettings.FlushSeconds))));
        await using (sink.ConfigureAwait(false))
        {
            var engine = Schedulers.Create(scenario, context, options, sink, transport: session.Transport, placement: placement, llm: llmCounters, contentStore: store);
            metrics?.Observe(new EngineMetrics(session.Rank, engine, llmCounters, (llm as LlmFleet)?.Pools, session.Transport), store);
            var rows = InputRows.Shard(InputRows.Limit(scenario.ReadInputAsync(new InputSource(inputPath, limit), context, cancellationToken), limit), session.Rank, session.Size);
            var progress = session.Rank == 0
                ? new ProgressReporter(
                    session.Size == 1 ? scenario.Name : string.Create(CultureInfo.InvariantCulture, $"{scenario.Name} x{session.Size} ranks"),
                    engine.JobSnapshot,
                    limit * options.Trials - (resume?.Done.Count ?? 0),
                    console.Error,
                    console.ErrorIsTerminal,
                    TimeSpan.FromSeconds(settings.GetDouble(EngineSettings.ProgressInterval)))
                : null;
            try
            {
                summary = await engine.RunAsync(rows, session.Size > 1 ? session.BarrierAsync : null, cancellationToken).ConfigureAwait(false);
            }
            catch (InputException e) when (engine.Counters.Admitted == 0)
            {
                throw new UsageException(e.Message);
            }
            finally
            {
                if (progress is not null)
                {
                    await progress.DisposeAsync().ConfigureAwait(false);
                }
            }

            decodeErrors = engine.DecodeErrors;
            content = engine.ContentCounters;
            await sink.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            output = sink.Statistics;
        }

        var process = ProcessFigures.Capture();
        var report = ToReport(session, summary, llmCounters, output, decodeErrors) with
        {
            HopLatencyBuckets = summary.Latency.Hops.Trimmed(),
            TaskLatencyBuckets = summary.Latency.Tasks.Trimmed(),
            QueuedNanoseconds = summary.Latency.QueuedNanoseconds,
            TaskNanoseconds = summary.Latency.TaskNanoseconds,
            CpuSeconds = process.CpuSeconds,
            PeakMemoryBytes = process.PeakMemoryBytes,
            OffloadedBytes = content.OffloadedBytes,
            LlmMalformed = llmCounters.Malformed,
            LlmContextLength = llmCounters.ContextLengthRefusals,
            LlmEjections = llmCounters.Ejections,
            LocalFetches = content.LocalFetches,
            RemoteFetches = content.RemoteFetches,
            StorePuts = store?.Statistics.Puts ?? 0,
            StoreBytesOnDisk = store?.Statistics.LogDiskBytes ?? 0,
            TransportBytesSent = session.Transport?.GetStatistics().Peers.Sum(p => p.BytesSent) ?? 0,
        };
        metrics?.RunEnded();
        var reports = (await session.AllgatherAsync(report.ToBytes(), CancellationToken.None).ConfigureAwait(false)).Select(RankResult.FromBytes).ToList();
        if (session.Rank != 0)
        {
            return summary.Cancelled ? ExitCodes.Interrupted : ExitCodes.Success;
        }

        if (resume is not null && reports.Sum(r => r.Admitted) == 0 && File.Exists(Path.Combine(outDir, ManifestWriter.FileName)))
        {
            await console.Out.WriteLineAsync($"{scenario.Name}: nothing to resume: every task of '{outDir}' already has a record ({resume.Done.Count} records)").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        await ManifestWriter.WriteAsync(
            outDir,
            new ManifestContent(scenario.Name, startedAt, DateTimeOffset.UtcNow, llm.Describe, session.Transport?.Secure, settings, reports) { Resume = resume, Pools = (llm as LlmFleet)?.Pools ?? [] },
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

    private static RankResult ToReport(RankSession session, RunSummary s, LlmCounters llm, SinkStatistics output, long decodeErrors) => new(
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
        output.Rows,
        output.Parts,
        output.Bytes,
        [.. output.Files],
        [.. s.Peers],
        session.FramesRejected,
        decodeErrors);

    /// <summary>Where ranks keep their content stores: inside the output directory, removed after the run.</summary>
    private const string WorkDirectory = ".work";

    /// <summary>Stands in for the lifetime of an LLM client that owns nothing (the oracle).</summary>
    private sealed class NoLifetime : IAsyncDisposable
    {
        public static readonly NoLifetime Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
