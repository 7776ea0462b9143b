using Matrix.Engine.Scenarios;

namespace Matrix.Engine.Runtime;

/// <summary>
/// What the host runs on a rank: the peer-to-peer <see cref="RankEngine"/> (<c>scheduler=p2p</c>) or one of the
/// baselines Matrix compares itself with (<c>batch</c>, <c>central</c>; see <see cref="Baselines.Schedulers"/>).
/// They share the agents, the scenario, the admission rules, the step and its failure mapping, and the sink,
/// so for the same seed they write the same records; only the way tasks move differs.
/// </summary>
public interface ITaskScheduler
{
    EngineCounters Counters { get; }

    /// <summary>The whole job's progress counters as this rank knows them.</summary>
    CounterSnapshot JobSnapshot();

    /// <summary>
    /// Admits every input row (times the trials), runs the tasks to their end and returns when the sink has
    /// taken the last of them. Cancelling stops admission; tasks in flight finish and are written.
    /// </summary>
    Task<RunSummary> RunAsync(IAsyncEnumerable<InputRow> input, Func<CancellationToken, Task>? waitForPeers = null, CancellationToken cancellationToken = default);

    /// <summary>Messages from peers that could not be decoded (0 without peers).</summary>
    long DecodeErrors { get; }

    /// <summary>Offloading counters (0 when offloading is off).</summary>
    (long OffloadedBytes, long LocalFetches, long RemoteFetches) ContentCounters { get; }

    /// <summary>Hop and task latency so far (read at a metrics scrape: a snapshot of the lock-free histograms, nothing recorded).</summary>
    LatencySummary LiveLatency() => LatencySummary.Empty;

    /// <summary>Orchestrators waiting in each role's block now (Dataflow <c>InputCount</c>), read at a metrics scrape.</summary>
    IReadOnlyList<KeyValuePair<string, int>> QueueDepths() => [];
}

/// <summary>The <c>scheduler</c> setting.</summary>
public enum SchedulerKind
{
    /// <summary>Matrix's design: per-role Dataflow blocks, each step hands the task straight to the next (default).</summary>
    P2p,

    /// <summary>Ray Data map_batches: K workers, each runs a batch of B tasks through the whole pipeline, then takes the next batch.</summary>
    Batch,

    /// <summary>A central controller, as the runners Matrix compares itself with: one loop routes every step and hands it to a fixed worker pool.</summary>
    Central,
}
