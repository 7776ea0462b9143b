namespace Matrix.Hosting.Bench;

/// <summary>A benchmark suite: plans its runs, runs them through the context, derives its figures.</summary>
internal interface IBenchSuite
{
    string Name { get; }

    Task<SuiteResult> RunAsync(BenchContext context, CancellationToken cancellationToken);
}

/// <summary>What a suite measured: its runs, its notes (rows skipped, keys missing) and its wall time.</summary>
internal abstract class SuiteResult(string name)
{
    public string Name { get; } = name;

    public List<BenchRun> Runs { get; } = [];

    public List<string> Notes { get; } = [];

    public double WallSeconds { get; set; }

    /// <summary>Adds a note once per distinct text.</summary>
    public void Note(string text)
    {
        if (!Notes.Contains(text, StringComparer.Ordinal))
        {
            Notes.Add(text);
        }
    }

    /// <summary>Notes which contract keys (scheduler, latency, process) the runs' manifests lacked, read as null.</summary>
    public void NoteMissingContractKeys()
    {
        var missing = Runs.Where(r => r.Manifest is not null).SelectMany(r => ManifestFigures.MissingContractKeys(r.Manifest!)).Distinct(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            Note($"the manifests have no {string.Join(", ", missing.Select(k => $"'{k}'"))}: those figures are null (an engine without them)");
        }
    }
}

/// <summary>One row of the ceiling table: a run, or the reason it was skipped.</summary>
internal sealed record CeilingRow(string Label, string ShortLabel, int Ranks, BenchRun? Run, string? Skipped);

internal sealed class CeilingResult() : SuiteResult(BenchOptions.Ceiling)
{
    public List<CeilingRow> Rows { get; } = [];
}

/// <summary>The fleet suite's figures of one scheduler on one scenario: medians over its repetitions.</summary>
internal sealed class SchedulerSummary(string scheduler)
{
    public string Scheduler { get; } = scheduler;

    public List<BenchRun> Runs { get; } = [];

    public OrderedDictionary<string, double?> Medians { get; } = new(StringComparer.Ordinal);

    public double? this[string figure] => Medians.TryGetValue(figure, out var v) ? v : null;
}

internal sealed class FleetScenarioResult(FleetPreset preset)
{
    public FleetPreset Preset { get; } = preset;

    public string Scenario => Preset.Scenario;

    public OrderedDictionary<string, SchedulerSummary> Schedulers { get; } = new(StringComparer.Ordinal);

    /// <summary>p2p tokens/s over each baseline's (medians over the repetitions of this bench).</summary>
    public OrderedDictionary<string, double?> Ratios { get; } = new(StringComparer.Ordinal);

    /// <summary>The same ratio within each repetition (p2p run i over baseline run i).</summary>
    public OrderedDictionary<string, List<double?>> RatiosPerRepeat { get; } = new(StringComparer.Ordinal);
}

internal sealed class FleetResult(int repeat) : SuiteResult(BenchOptions.Fleet)
{
    public int Repeat { get; } = repeat;

    /// <summary>The schedulers measured: p2p, batch, central (p2p only on an engine without the setting).</summary>
    public List<string> Schedulers { get; } = [];

    public List<FleetScenarioResult> Scenarios { get; } = [];
}

/// <summary>One level of the scale suite: N tasks in flight at once.</summary>
internal sealed record ScaleRow(int InFlight, BenchRun Run, double? MemoryPerInFlightTaskBytes);

internal sealed class ScaleResult() : SuiteResult(BenchOptions.Scale)
{
    public BenchRun? Baseline { get; set; }

    public List<ScaleRow> Rows { get; } = [];
}
