using System.Globalization;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Hosting.Bench;

/// <summary>
/// The simulated fleet and load of one scenario in the fleet suite: sized so that the fleet, not the
/// engine, is the bottleneck for p2p (every slot busy: utilization near 1) and a run takes seconds.
/// Prefill time is off, so that the fleet's capacity C is exactly its decode capacity
/// (<see cref="SimFleetOptions.CapacityTokensPerSecond"/>: replicas x slots / step(slots)). The same fleet
/// and load serve every scheduler; only <c>scheduler</c> changes.
/// </summary>
internal sealed record FleetPreset(string Scenario, int Tasks, int QuickTasks, int Concurrency, int Replicas, int Slots, double DecodeMs, double DecodeMsPerSeq)
{
    /// <summary>
    /// The presets, tuned on a 2-core machine: 64 slots and twice as many tasks in flight (sticky replicas
    /// always have a queue), about 40-200 tasks per slot so that the heavy-tailed last tasks cost little, and
    /// decode steps long enough (about 1-2 ms per token) that timer lateness does not eat the short calls
    /// (coral's extractor, nr's classifier, tau2's tool-call turns). A p2p run takes 25-35 s.
    /// </summary>
    public static readonly FleetPreset[] All =
    [
        new("coral", Tasks: 4_000, QuickTasks: 60, Concurrency: 128, Replicas: 4, Slots: 16, DecodeMs: 0.6, DecodeMsPerSeq: 0.01),
        new("nr", Tasks: 12_000, QuickTasks: 300, Concurrency: 128, Replicas: 4, Slots: 16, DecodeMs: 1.5, DecodeMsPerSeq: 0.01),
        new("tau2", Tasks: 2_500, QuickTasks: 60, Concurrency: 128, Replicas: 4, Slots: 16, DecodeMs: 2, DecodeMsPerSeq: 0.01),
    ];

    public SimFleetOptions Fleet => new()
    {
        Replicas = Replicas,
        SlotsPerReplica = Slots,
        DecodeStepMillis = DecodeMs,
        DecodeStepMillisPerSequence = DecodeMsPerSeq,
        PrefillMicrosPerToken = 0,
    };

    /// <summary>C: completion tokens per second with every slot busy.</summary>
    public double CapacityTokensPerSecond => Fleet.CapacityTokensPerSecond;

    public int TaskCount(bool quick) => quick ? QuickTasks : Tasks;

    /// <summary>The <c>matrix run</c> arguments (without --out); <paramref name="scheduler"/> null leaves the engine's default.</summary>
    public IReadOnlyList<string> Args(bool quick, string? scheduler)
    {
        var inv = CultureInfo.InvariantCulture;
        var tasks = TaskCount(quick).ToString(inv);
        var args = new List<string>
        {
            "--tasks", tasks,
            "--concurrency", Concurrency.ToString(inv),
            "--set",
            $"{SimFleetOptions.ReplicasKey}={Replicas.ToString(inv)}",
            $"{SimFleetOptions.SlotsKey}={Slots.ToString(inv)}",
            $"{SimFleetOptions.DecodeKey}={DecodeMs.ToString(inv)}",
            $"{SimFleetOptions.DecodePerSequenceKey}={DecodeMsPerSeq.ToString(inv)}",
            $"{SimFleetOptions.PrefillKey}=0",

            // The baselines run without offloading; p2p runs as they do, so that only the scheduler differs.
            "store.offload_bytes=0",
        };
        if (Scenario == "tau2")
        {
            // The built-in task-board domain has tau2.sample_size tasks (200 by default): as many as the run takes.
            args.Add("tau2.sample_size=" + tasks);
        }

        if (scheduler is not null)
        {
            args.Add($"{FleetSuite.SchedulerKey}={scheduler}");
        }

        return args;
    }
}
