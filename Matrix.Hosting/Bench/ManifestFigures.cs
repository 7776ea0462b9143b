using System.Text.Json;
using System.Text.Json.Nodes;

namespace Matrix.Hosting.Bench;

/// <summary>
/// Reads the figures a bench needs from a run's manifest.json. A key the manifest does not have (an older
/// engine, a scheduler that does not report it) reads as null, never as zero.
/// </summary>
internal static class ManifestFigures
{
    /// <summary>The derived figures every run gets, in report order, with the manifest path of each.</summary>
    private static readonly (string Name, string[] Path)[] Common =
    [
        ("elapsed_seconds", ["elapsed_seconds"]),
        ("tasks", ["tasks", "admitted"]),
        ("tasks_per_second", ["throughput", "tasks_per_second"]),
        ("hops_per_second", ["throughput", "hops_per_second"]),
        ("completion_tokens_per_second", ["throughput", "completion_tokens_per_second"]),
        ("peak_in_flight", ["peak_in_flight"]),
        ("hop_p50_us", ["latency", "hop_us", "p50"]),
        ("hop_p99_us", ["latency", "hop_us", "p99"]),
        ("task_p50_ms", ["latency", "task_ms", "p50"]),
        ("task_p99_ms", ["latency", "task_ms", "p99"]),
        ("queued_share", ["latency", "queued_share"]),
        ("cpu_seconds", ["process", "cpu_seconds"]),
        ("peak_memory_bytes", ["process", "peak_memory_bytes"]),
    ];

    /// <summary>The keys of the contract that a complete manifest has (for the report's notes).</summary>
    public static readonly string[] ContractKeys = ["scheduler", "latency", "process"];

    public static void AddCommon(JsonObject manifest, IDictionary<string, double?> derived)
    {
        foreach (var (name, path) in Common)
        {
            derived[name] = Number(manifest, path);
        }
    }

    /// <summary>The number at <paramref name="path"/>, or null when a step is missing or is not a number.</summary>
    public static double? Number(JsonNode? node, params string[] path)
    {
        foreach (var step in path)
        {
            node = node is JsonObject o && o.TryGetPropertyValue(step, out var next) ? next : null;
        }

        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<double>(out var d) ? d : null;
    }

    public static string? String(JsonNode? node, string key) =>
        node is JsonObject o && o.TryGetPropertyValue(key, out var v) && v is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : null;

    /// <summary>The contract keys this manifest lacks (the engine that wrote it predates them).</summary>
    public static IEnumerable<string> MissingContractKeys(JsonObject manifest) => ContractKeys.Where(k => !manifest.ContainsKey(k));
}
