namespace Matrix.Hosting.Bench;

/// <summary>Everything the report writers print: the machine, the bench's own command, each suite's results and every run.</summary>
internal sealed record BenchReport(
    MachineInfo Machine,
    BenchOptions Options,
    string CommandLine,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    IReadOnlyList<SuiteResult> Suites,
    IReadOnlyList<BenchRun> Runs,
    bool Complete)
{
    /// <summary>Load averages (1, 5, 15 min) when the bench started and ended.</summary>
    public (string? Start, string? End) LoadAverage { get; init; }

    public int FailedRuns => Runs.Count(r => !r.Succeeded);
}
