using Matrix.Engine.Agents;
using Matrix.Engine.Settings;

namespace Matrix.Engine.Runtime;

/// <summary>The keys the engine itself reads. Scenario, LLM and simulator keys are declared by their owners.</summary>
public static class EngineSettings
{
    public const string Tasks = "tasks";
    public const string Trials = "trials";
    public const string Concurrency = "concurrency";
    public const string Seed = "seed";
    public const string Input = "input";
    public const string Out = "out";
    public const string Llm = "llm.urls";
    public const string Model = "llm.model";
    public const string MaxHops = "engine.max_hops";
    public const string RowsPerBatch = "output.rows_per_batch";
    public const string RowsPerPart = "output.rows_per_part";
    public const string ProgressInterval = "progress.interval_seconds";
    public const string FlushSeconds = "output.flush_seconds";
    public const string OffloadBytes = "store.offload_bytes";
    public const string StoreMemoryMb = "store.memory_mb";

    /// <summary>Default admission limit per rank: enough to keep a few hundred LLM slots busy.</summary>
    public const int DefaultConcurrency = 1024;

    public static void Declare(SettingsSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        schema.Add(new SettingDefinition(Tasks, SettingType.Long, null, "Use at most this many input rows (all when unset).") { Min = 1 })
            .Int(Trials, 1, "Tasks per input row (each with its own id suffix and seed).", 1, 1_000_000)
            .Int(Concurrency, DefaultConcurrency, "Tasks in flight at once on each rank.", 1, 10_000_000)
            .Long(Seed, 0, "Run seed: with the same seed the same records come out.", 0)
            .String(Input, null, "Input file (JSONL, or .jsonl.zst); the scenario's built-in sample when unset.")
            .String(Out, "out", "Output directory for part-<rank>-<seq>.arrow files and manifest.json.")
            .List(Llm, "sim", "'sim' for the built-in simulated LLM, or OpenAI-style base URLs (http://host:8000/v1), comma-separated.")
            .String(Model, "default", "Model name sent to the LLM endpoint.")
            .Int(MaxHops, 10_000, "A task that takes more agent steps than this fails (guards against routing loops).", 1)
            .Int(RowsPerBatch, 1024, "Rows per Arrow record batch.", 1, 1 << 20)
            .Long(RowsPerPart, 1_000_000, "Rows per part file before the next part starts.", 1)
            .Int(OffloadBytes, 512, "Message content above this many bytes goes to the rank's FASTER store; the task carries a reference (0: off).", 0)
            .Int(StoreMemoryMb, 64, "Memory of each rank's content store before it spills to disk in <out>/.work.", 1)
            .Double(FlushSeconds, 1, "A finished task's record reaches its part file within this many seconds (what a crash can lose; --resume reruns it).", 0)
            .Double(ProgressInterval, 10, "Seconds between progress log lines when stderr is not a terminal.", 0.1);
    }

    /// <summary>Declares <c>agents.&lt;role&gt;.parallelism</c> for each role of the chosen scenario.</summary>
    public static void DeclareRoles(SettingsSchema schema, IEnumerable<RoleSpec> roles)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(roles);
        foreach (var role in roles)
        {
            schema.Int(ParallelismKey(role.Name), 0, $"Steps of role '{role.Name}' run at once per rank (0: {(role.Kind == AgentKind.Llm ? "the concurrency" : "the core count")}).", 0, 10_000_000);
        }
    }

    public static string ParallelismKey(string role) => $"agents.{role}.parallelism";
}
