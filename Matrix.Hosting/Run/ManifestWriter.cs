using System.Text.Json;
using Matrix.Engine.Runtime;
using Matrix.Engine.Settings;

namespace Matrix.Hosting.Run;

/// <summary>Everything the manifest says about a job: one report per rank, and the job-wide facts.</summary>
internal sealed record ManifestContent(
    string Scenario,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    string LlmEndpoint,
    bool? TransportSecure,
    RunSettings Settings,
    IReadOnlyList<RankResult> Ranks)
{
    /// <summary>What <c>--resume</c> found; its records count in the totals.</summary>
    public ResumeState? Resume { get; init; }

    /// <summary>The LLM pools of the run (name, model, endpoints, structured output); empty for the oracle.</summary>
    public IReadOnlyList<Engine.Llm.Pools.LlmPool> Pools { get; init; } = [];
}

/// <summary>
/// Writes <c>DIR/manifest.json</c> (rank 0 only): counts by status and reason, tokens, timings, ranks with
/// their peer traffic, and the effective configuration. Written to a temporary file and renamed, so a
/// reader never sees half of it.
/// </summary>
internal static class ManifestWriter
{
    public const string FileName = "manifest.json";
    public const int FormatVersion = 1;

    public static async Task WriteAsync(string directory, ManifestContent m, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var temp = path + ".tmp";
        await using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, useAsync: true))
        {
            await using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            Write(w, directory, m);
            await w.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        File.Move(temp, path, overwrite: true);
    }

    private static void Write(Utf8JsonWriter w, string directory, ManifestContent m)
    {
        var r = m.Ranks;
        var elapsed = r.Max(x => x.ElapsedSeconds);
        var seconds = Math.Max(elapsed, 1e-9);
        var admitted = r.Sum(x => x.Admitted);
        w.WriteStartObject();
        w.WriteNumber("format_version", FormatVersion);
        w.WriteString("engine", typeof(ManifestWriter).Assembly.GetName().Version?.ToString() ?? "0");
        w.WriteString("scenario", m.Scenario);
        w.WriteNumber("ranks", r.Count);
        w.WriteString("started_at", m.StartedAt);
        w.WriteString("finished_at", m.FinishedAt);
        w.WriteNumber("elapsed_seconds", Math.Round(elapsed, 3));
        w.WriteBoolean("complete", !r.Any(x => x.Cancelled));

        var previous = m.Resume?.Reasons ?? [];
        long Before(string status) => previous.TryGetValue(status, out var byReason) ? byReason.Values.Sum() : 0;
        w.WriteStartObject("tasks");
        w.WriteNumber("admitted", admitted);
        w.WriteNumber("success", r.Sum(x => x.Succeeded) + Before("success"));
        w.WriteNumber("filtered", r.Sum(x => x.Filtered) + Before("filtered"));
        w.WriteNumber("failed", r.Sum(x => x.Failed) + Before("failed"));
        w.WriteEndObject();

        WriteReasons(w, r.SelectMany(x => x.Reasons).Concat(previous));

        if (m.Resume is { } resume)
        {
            w.WriteStartObject("resume");
            w.WriteNumber("records_found", resume.Done.Count);
            w.WriteNumber("rows_kept_from_damaged_parts", resume.Repair.RowsKept);

            // Their tasks were admitted again: the counts above hold their new records, not the removed ones.
            w.WriteNumber("failed_records_retried", resume.Retry.RecordsRemoved);
            WriteNames(w, "parts_repaired", resume.Repair.Repaired);
            WriteNames(w, "parts_set_aside", resume.Repair.SetAside);
            w.WriteEndObject();
        }

        w.WriteStartObject("tokens");
        w.WriteNumber("prompt", r.Sum(x => x.PromptTokens));
        w.WriteNumber("completion", r.Sum(x => x.CompletionTokens));
        w.WriteEndObject();

        w.WriteStartObject("throughput");
        w.WriteNumber("tasks_per_second", Math.Round(admitted / seconds, 2));
        w.WriteNumber("hops_per_second", Math.Round(r.Sum(x => x.Hops) / seconds, 2));
        w.WriteNumber("completion_tokens_per_second", Math.Round(r.Sum(x => x.CompletionTokens) / seconds, 2));
        w.WriteEndObject();

        w.WriteNumber("hops", r.Sum(x => x.Hops));
        w.WriteNumber("peak_in_flight", r.Max(x => x.PeakInFlight));
        w.WriteString("scheduler", m.Settings.GetString(EngineSettings.Scheduler));
        WriteLatency(w, LatencySummary.Merge(r.Select(x => x.Latency())));

        // Job-wide: CPU time adds up over the ranks' processes; memory is the largest rank's peak.
        WriteProcess(w, r.Sum(x => x.CpuSeconds), r.Max(x => x.PeakMemoryBytes));

        w.WriteStartObject("llm");
        w.WriteString("endpoint", m.LlmEndpoint);
        w.WriteNumber("requests", r.Sum(x => x.LlmRequests));
        w.WriteNumber("retries", r.Sum(x => x.LlmRetries));
        w.WriteNumber("failures", r.Sum(x => x.LlmFailures));
        w.WriteNumber("malformed_retried", r.Sum(x => x.LlmMalformed));
        w.WriteNumber("context_length_refusals", r.Sum(x => x.LlmContextLength));
        w.WriteNumber("endpoint_ejections", r.Sum(x => x.LlmEjections));
        w.WriteStartArray("pools");
        foreach (var pool in m.Pools)
        {
            w.WriteStartObject();
            w.WriteString("name", pool.Name);
            w.WriteString("model", pool.Model);
            w.WriteString("endpoints", pool.Client.Describe);
            w.WriteBoolean("structured_output", pool.StructuredOutput);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();

        // Per-rank means, weighted by the tasks each rank finished.
        w.WriteStartObject("metrics");
        foreach (var name in r.SelectMany(x => x.Metrics.Keys).Distinct().Order(StringComparer.Ordinal))
        {
            var weighted = r.Where(x => x.Metrics.ContainsKey(name)).Select(x => (Value: x.Metrics[name], Weight: (double)Math.Max(1, x.Succeeded + x.Filtered + x.Failed))).ToList();
            w.WriteNumber(name, Math.Round(weighted.Sum(v => v.Value * v.Weight) / weighted.Sum(v => v.Weight), 6));
        }

        w.WriteEndObject();

        // Every part in the directory, also those of earlier sessions of a resumed run.
        var parts = Directory.EnumerateFiles(directory, "part-*.arrow").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        w.WriteStartObject("output");
        w.WriteNumber("rows", r.Sum(x => x.Rows) + (m.Resume?.Done.Count ?? 0));
        w.WriteNumber("parts", parts.Count);
        w.WriteNumber("bytes_written", r.Sum(x => x.Bytes));
        w.WriteStartArray("files");
        foreach (var file in parts)
        {
            w.WriteStringValue(file);
        }

        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteStartObject("store");
        w.WriteNumber("offload_bytes", m.Settings.GetInt(EngineSettings.OffloadBytes));
        w.WriteNumber("offloaded_bytes", r.Sum(x => x.OffloadedBytes));
        w.WriteNumber("puts", r.Sum(x => x.StorePuts));
        w.WriteNumber("fetches_local", r.Sum(x => x.LocalFetches));
        w.WriteNumber("fetches_remote", r.Sum(x => x.RemoteFetches));
        w.WriteNumber("bytes_on_disk_at_end", r.Sum(x => x.StoreBytesOnDisk));
        w.WriteEndObject();

        if (m.TransportSecure is { } secure)
        {
            w.WriteStartObject("transport");
            w.WriteBoolean("secure", secure);
            w.WriteNumber("frames_rejected", r.Sum(x => x.FramesRejected));
            if (r.Any(x => x.HandshakeFailures is not null))
            {
                w.WriteNumber("handshake_failures", r.Sum(x => x.HandshakeFailures ?? 0));
            }

            w.WriteNumber("payload_bytes_sent", r.Sum(x => x.TransportBytesSent));
            w.WriteNumber("decode_errors", r.Sum(x => x.DecodeErrors));
            w.WriteEndObject();
        }

        w.WriteStartArray("per_rank");
        foreach (var x in r.OrderBy(x => x.Rank))
        {
            WriteRank(w, x);
        }

        w.WriteEndArray();

        w.WriteStartObject("config");
        foreach (var (key, value) in m.Settings.ToDictionary())
        {
            WriteValue(w, key, value);
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteNames(Utf8JsonWriter w, string name, IEnumerable<string> paths)
    {
        w.WriteStartArray(name);
        foreach (var path in paths)
        {
            w.WriteStringValue(Path.GetFileName(path));
        }

        w.WriteEndArray();
    }

    private static void WriteRank(Utf8JsonWriter w, RankResult x)
    {
        w.WriteStartObject();
        w.WriteNumber("rank", x.Rank);
        w.WriteString("host", x.Host);
        w.WriteNumber("admitted", x.Admitted);
        w.WriteNumber("success", x.Succeeded);
        w.WriteNumber("filtered", x.Filtered);
        w.WriteNumber("failed", x.Failed);
        w.WriteNumber("hops", x.Hops);
        w.WriteNumber("peak_in_flight", x.PeakInFlight);
        w.WriteNumber("elapsed_seconds", Math.Round(x.ElapsedSeconds, 3));
        w.WriteNumber("rows", x.Rows);
        w.WriteNumber("frames_rejected", x.FramesRejected);
        if (x.HandshakeFailures is { } handshakeFailures)
        {
            w.WriteNumber("handshake_failures", handshakeFailures);
        }

        w.WriteNumber("offloaded_bytes", x.OffloadedBytes);
        w.WriteNumber("fetches_local", x.LocalFetches);
        w.WriteNumber("fetches_remote", x.RemoteFetches);
        WriteProcess(w, x.CpuSeconds, x.PeakMemoryBytes);
        w.WriteStartArray("peers");
        foreach (var p in x.Peers)
        {
            w.WriteStartObject();
            w.WriteNumber("rank", p.Rank);
            w.WriteNumber("orchestrators_sent", p.OrchestratorsSent);
            w.WriteNumber("bytes_sent", p.BytesSent);
            w.WriteNumber("orchestrators_received", p.OrchestratorsReceived);
            w.WriteNumber("bytes_received", p.BytesReceived);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>
    /// Hop latency (dispatch of a step's route to the start of the next step) in microseconds, task latency
    /// (admission to sink) in milliseconds, both from the merged histograms (within 1.6%, see
    /// <see cref="LatencyHistogramSnapshot.Percentile"/>), and Σ queued / Σ task latency over finished tasks.
    /// </summary>
    private static void WriteLatency(Utf8JsonWriter w, LatencySummary latency)
    {
        w.WriteStartObject("latency");
        w.WriteStartObject("hop_us");
        w.WriteNumber("p50", Math.Round(latency.Hops.Percentile(0.50) / 1e3, 3));
        w.WriteNumber("p99", Math.Round(latency.Hops.Percentile(0.99) / 1e3, 3));
        w.WriteNumber("count", latency.Hops.Count);
        w.WriteEndObject();
        w.WriteStartObject("task_ms");
        w.WriteNumber("p50", Math.Round(latency.Tasks.Percentile(0.50) / 1e6, 3));
        w.WriteNumber("p99", Math.Round(latency.Tasks.Percentile(0.99) / 1e6, 3));
        w.WriteNumber("count", latency.Tasks.Count);
        w.WriteEndObject();
        w.WriteNumber("queued_share", Math.Round(latency.QueuedShare, 6));
        w.WriteEndObject();
    }

    private static void WriteProcess(Utf8JsonWriter w, double cpuSeconds, long peakMemoryBytes)
    {
        w.WriteStartObject("process");
        w.WriteNumber("cpu_seconds", Math.Round(cpuSeconds, 3));
        w.WriteNumber("peak_memory_bytes", peakMemoryBytes);
        w.WriteEndObject();
    }

    private static void WriteReasons(Utf8JsonWriter w, IEnumerable<KeyValuePair<string, Dictionary<string, long>>> perRank)
    {
        var merged = new SortedDictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        foreach (var (status, reasons) in perRank)
        {
            var target = merged.TryGetValue(status, out var t) ? t : merged[status] = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (reason, count) in reasons)
            {
                target[reason] = target.GetValueOrDefault(reason) + count;
            }
        }

        w.WriteStartObject("reasons");
        foreach (var (status, reasons) in merged)
        {
            w.WriteStartObject(status);
            foreach (var (reason, count) in reasons.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(reason.Length == 0 ? "(none)" : reason, count);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter w, string key, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNull(key);
                break;
            case bool b:
                w.WriteBoolean(key, b);
                break;
            case int i:
                w.WriteNumber(key, i);
                break;
            case long l:
                w.WriteNumber(key, l);
                break;
            case double d:
                w.WriteNumber(key, d);
                break;
            case string[] list:
                w.WriteStartArray(key);
                foreach (var item in list)
                {
                    w.WriteStringValue(item);
                }

                w.WriteEndArray();
                break;
            default:
                w.WriteString(key, value.ToString());
                break;
        }
    }
}
