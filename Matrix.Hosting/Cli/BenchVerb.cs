using CommandLine;

namespace Matrix.Hosting.Cli;

/// <summary><c>matrix bench</c>: runs a benchmark suite as child <c>matrix run</c> processes on the simulated fleet.</summary>
[Verb("bench", HelpText = "Benchmark suites on the simulated LLM fleet (each configuration a child 'matrix run'): prints a table, writes bench.json, bench.md and bench.svg.")]
internal sealed class BenchVerb
{
    [Option("suite", HelpText = "Which suite: ceiling (LLM-free engine: hops/s, trajectories/s, hop latency, 1 and 2 ranks), fleet (coral, nr, tau2 on a fleet of known capacity, p2p vs batch vs central schedulers), scale (1k to 100k tasks in flight: memory per task), or all.")]
    public string? Suite { get; set; }

    [Option("out", HelpText = "Directory for bench.json, bench.md, bench.svg and the runs (default: bench-<yyyyMMdd-HHmmss>).")]
    public string? Out { get; set; }

    [Option("quick", HelpText = "Shrink every suite to a smoke size that runs in seconds (CI).")]
    public bool Quick { get; set; }

    [Option("ranks", HelpText = "ceiling: 1 measures one rank only; 2 also runs 'mpiexec -n 2' (the default when mpiexec is on PATH).")]
    public int? Ranks { get; set; }

    [Option("repeat", HelpText = "fleet: runs of each scheduler, alternating p2p, batch, central (default 1).")]
    public int? Repeat { get; set; }

    [Option("max-in-flight", HelpText = "scale: the largest number of tasks in flight to try (default 100000; levels are 1000, 10000, 100000).")]
    public int? MaxInFlight { get; set; }

    [Option("keep-runs", HelpText = "Keep each run's output directory (parts, manifest) under DIR/runs; by default they are deleted after their figures are read.")]
    public bool KeepRuns { get; set; }

    [Option("timeout", HelpText = "Seconds a single run may take before it is killed and reported failed (default 1800).")]
    public int? Timeout { get; set; }
}
