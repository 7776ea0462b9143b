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
    public const string Scheduler = "scheduler";
    public const string BatchWorkers = "scheduler.batch_workers";
    public const string CentralWorkers = "scheduler.central_workers";

    /// <summary>The values of <see cref="Scheduler"/>, as in the manifest.</summary>
    public static IReadOnlyList<string> SchedulerNames { get; } = ["p2p", "batch", "central"];

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
            .Double(ProgressInterval, 10, "Seconds between progress log lines when stderr is not a terminal.", 0.1)
            .String(
                Scheduler,
                "p2p",
                "How tasks move between agents. p2p: Matrix's design, a Dataflow block per role, each step hands the task "
                + "straight to the next role's block. The baselines Matrix compares itself with (one rank only, no offloading; same "
                + "agents, records and sink): batch: Ray Data's map_batches, scheduler.batch_workers workers each run a batch of "
                + "concurrency/workers tasks through the whole pipeline and take the next batch only when every task of the current one "
                + "is written; central: a single-controller runner, one controller loop admits up to the concurrency, routes every step "
                + "(scenario Next) and hands it to a pool of scheduler.central_workers workers.",
                [.. SchedulerNames])
            .Int(BatchWorkers, 20, "scheduler=batch: batch workers K (Ray Data's data parallelism); each batch holds concurrency/K tasks.", 1, 10_000_000)
            .Int(CentralWorkers, 0, "scheduler=central: workers that run the controller's steps (0: the concurrency, like a runner's thread pool of max_concurrency).", 0, 10_000_000);
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
