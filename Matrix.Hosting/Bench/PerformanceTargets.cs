namespace Matrix.Hosting.Bench;

/// <summary>The project's performance targets and Meta Matrix's published figures (docs/BENCHMARKS.md), printed beside the measurements.</summary>
internal static class PerformanceTargets
{
    /// <summary>Engine ceiling on one rank, LLM-free agents.</summary>
    public const double HopsPerSecondOneRank = 300_000;

    public const double TrajectoriesPerSecondOneRank = 25_000;

    /// <summary>Median hop latency on one rank, microseconds (an upper bound).</summary>
    public const double HopP50Micros = 50;

    /// <summary>Across 2 ranks (mpiexec -n 2, authenticated NetMQ).</summary>
    public const double HopsPerSecondTwoRanks = 60_000;

    /// <summary>The p2p engine's share of the fleet's capacity once concurrency allows it.</summary>
    public const double FleetUtilization = 0.95;

    /// <summary>Memory per in-flight task at 100k in flight, with offloading (an upper bound), bytes.</summary>
    public const double MemoryPerInFlightTaskBytes = 10_000;

    /// <summary>The engine beats the batch scheduler by at least this on nr-like heavy-tailed lengths.</summary>
    public const double NrOverBatch = 2.1;

    /// <summary>Matrix's own throughput ratio over the baseline of each scenario's case study (a reference, not a target).</summary>
    public static (string Baseline, double Ratio, string Against)? MatrixRatio(string scenario) => scenario switch
    {
        "coral" => ("central", 6.8, "the Coral runner's single orchestrator"),
        "nr" => ("batch", 2.1, "Ray Data map_batches"),
        "tau2" => ("central", 15.4, "tau2-bench's thread-pool runner"),
        _ => null,
    };

    /// <summary>The target on a scenario's ratio, if it has one: (baseline, at least).</summary>
    public static (string Baseline, double AtLeast)? RatioTarget(string scenario) => scenario == "nr" ? ("batch", NrOverBatch) : null;
}
