using Matrix.Engine.Llm;
using Matrix.Engine.Output;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Store;
using Matrix.Engine.Transport;

namespace Matrix.Engine.Runtime.Baselines;

/// <summary>The one entry the host calls: the scheduler <see cref="EngineOptions.Scheduler"/> names, composed for this rank.</summary>
public static class Schedulers
{
    /// <summary>
    /// The p2p <see cref="RankEngine"/>, or a baseline. Baselines run on one rank and never offload:
    /// they refuse a transport with peers (<see cref="ArgumentException"/>; the host checks first and says so
    /// in one line) and ignore <paramref name="placement"/> and <paramref name="contentStore"/>.
    /// </summary>
    public static ITaskScheduler Create(
        Scenario scenario,
        ScenarioContext context,
        EngineOptions options,
        ITaskSink sink,
        EngineCounters? counters = null,
        IPeerTransport? transport = null,
        Placement? placement = null,
        LlmCounters? llm = null,
        IContentStore? contentStore = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Scheduler == SchedulerKind.P2p)
        {
            return new RankEngine(scenario, context, options, sink, counters, transport, placement, llm, contentStore);
        }

        if (transport is { Size: > 1 })
        {
            throw new ArgumentException(OneRankOnly(options.Scheduler, transport.Size), nameof(transport));
        }

        return options.Scheduler == SchedulerKind.Batch
            ? new BatchScheduler(scenario, context, options, sink, counters, llm)
            : new CentralScheduler(scenario, context, options, sink, counters, llm);
    }

    /// <summary>The one line that refuses a baseline on several ranks.</summary>
    public static string OneRankOnly(SchedulerKind scheduler, int ranks) =>
        $"scheduler={EngineOptions.NameOf(scheduler)} runs on one rank only (this job has {ranks}): launch it without srun/mpiexec, or use scheduler=p2p";
}
