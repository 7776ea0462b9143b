using System.Text.Json;
using Matrix.Engine.Llm;
using Matrix.Engine.Output;
using Matrix.Engine.Runtime;
using Matrix.Engine.Settings;

namespace Matrix.Hosting.Run;

/// <summary>Everything the manifest says about a run.</summary>
internal sealed record ManifestContent(
    string Scenario,
    int Ranks,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    RunSummary Summary,
    string LlmEndpoint,
    LlmCounters Llm,
    SinkStatistics Output,
    RunSettings Settings);

/// <summary>
/// Writes <c>DIR/manifest.json</c>: counts by status and reason, tokens, timings, ranks and the
/// effective configuration. Written to a temporary file and renamed, so a reader never sees half of it.
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
            Write(w, m);
            await w.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        File.Move(temp, path, overwrite: true);
    }

    private static void Write(Utf8JsonWriter w, ManifestContent m)
    {
        var s = m.Summary;
        var seconds = Math.Max(s.Elapsed.TotalSeconds, 1e-9);
        w.WriteStartObject();
        w.WriteNumber("format_version", FormatVersion);
        w.WriteString("engine", typeof(ManifestWriter).Assembly.GetName().Version?.ToString() ?? "0");
        w.WriteString("scenario", m.Scenario);
        w.WriteNumber("ranks", m.Ranks);
        w.WriteString("started_at", m.StartedAt);
        w.WriteString("finished_at", m.FinishedAt);
        w.WriteNumber("elapsed_seconds", Math.Round(s.Elapsed.TotalSeconds, 3));
        w.WriteBoolean("complete", !s.Cancelled);

        w.WriteStartObject("tasks");
        w.WriteNumber("admitted", s.Admitted);
        w.WriteNumber("success", s.Succeeded);
        w.WriteNumber("filtered", s.Filtered);
        w.WriteNumber("failed", s.Failed);
        w.WriteEndObject();

        w.WriteStartObject("reasons");
        foreach (var (status, reasons) in s.ReasonsByStatus.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject(status);
            foreach (var (reason, count) in reasons.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal))
            {
                w.WriteNumber(reason.Length == 0 ? "(none)" : reason, count);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();

        w.WriteStartObject("tokens");
        w.WriteNumber("prompt", s.PromptTokens);
        w.WriteNumber("completion", s.CompletionTokens);
        w.WriteEndObject();

        w.WriteStartObject("throughput");
        w.WriteNumber("tasks_per_second", Math.Round(s.Admitted / seconds, 2));
        w.WriteNumber("hops_per_second", Math.Round(s.Hops / seconds, 2));
        w.WriteNumber("completion_tokens_per_second", Math.Round(s.CompletionTokens / seconds, 2));
        w.WriteEndObject();

        w.WriteNumber("hops", s.Hops);
        w.WriteNumber("peak_in_flight", s.PeakInFlight);

        w.WriteStartObject("llm");
        w.WriteString("endpoint", m.LlmEndpoint);
        w.WriteNumber("requests", m.Llm.Requests);
        w.WriteNumber("retries", m.Llm.Retries);
        w.WriteNumber("failures", m.Llm.Failures);
        w.WriteEndObject();

        w.WriteStartObject("metrics");
        foreach (var (name, value) in s.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            w.WriteNumber(name, Math.Round(value, 6));
        }

        w.WriteEndObject();

        w.WriteStartObject("output");
        w.WriteNumber("rows", m.Output.Rows);
        w.WriteNumber("parts", m.Output.Parts);
        w.WriteNumber("bytes", m.Output.Bytes);
        w.WriteStartArray("files");
        foreach (var file in m.Output.Files)
        {
            w.WriteStringValue(Path.GetFileName(file));
        }

        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteStartObject("config");
        foreach (var (key, value) in m.Settings.ToDictionary())
        {
            WriteValue(w, key, value);
        }

        w.WriteEndObject();
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
