using System.Globalization;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Hosting.Bench;

/// <summary>
/// Tasks in flight on one rank, from 1,000 to 100,000: coral on a fleet wide enough that every task sits in
/// an LLM call at once (100 replicas x 1,000 slots, 5 ms per decode step; 0.5 ms with --quick), <c>--concurrency N --tasks N</c>.
/// Memory per in-flight task = (peak memory at N - peak memory of a small baseline run) / (peak in flight at
/// N - the baseline's), so that the runtime, code and buffers do not count.
/// </summary>
internal sealed class ScaleSuite : IBenchSuite
{
    public const int BaselineTasks = 100;

    public static readonly int[] Levels = [1_000, 10_000, 100_000];

    public static readonly int[] QuickLevels = [1_000];

    /// <summary>Milliseconds per decode step: 5 as docs/BENCHMARKS.md measures it; --quick shortens the tasks (the longest coral task sets the run's length).</summary>
    public static double DecodeMs(bool quick) => quick ? 0.5 : 5;

    private static string[] WideFleet(bool quick) =>
    [
        $"{SimFleetOptions.ReplicasKey}=100",
        $"{SimFleetOptions.SlotsKey}=1000",
        $"{SimFleetOptions.DecodeKey}={DecodeMs(quick).ToString(CultureInfo.InvariantCulture)}",
        $"{SimFleetOptions.DecodePerSequenceKey}=0",
    ];

    public string Name => BenchOptions.Scale;

    /// <summary>The levels to run: the defaults up to <paramref name="cap"/>, and the cap itself when it falls between them.</summary>
    public static IReadOnlyList<int> LevelsFor(bool quick, int cap)
    {
        var levels = (quick ? QuickLevels : Levels).Where(n => n <= cap).ToList();
        if (!quick && cap < Levels[^1] && !levels.Contains(cap))
        {
            levels.Add(cap);
        }

        return levels.Count == 0 ? [cap] : levels;
    }

    public async Task<SuiteResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var result = new ScaleResult();
        var levels = LevelsFor(context.Options.Quick, context.Options.MaxInFlight);
        var planned = levels.Count + 1;
        var quick = context.Options.Quick;
        result.Baseline = await context.RunAsync(Name, Spec("baseline", BaselineTasks, quick), string.Create(CultureInfo.InvariantCulture, $"1/{planned}"), cancellationToken).ConfigureAwait(false);
        result.Runs.Add(result.Baseline);
        var index = 1;
        foreach (var n in levels)
        {
            var run = await context.RunAsync(Name, Spec(string.Create(CultureInfo.InvariantCulture, $"in-flight-{n}"), n, quick), string.Create(CultureInfo.InvariantCulture, $"{++index}/{planned}"), cancellationToken).ConfigureAwait(false);
            result.Runs.Add(run);
            var perTask = PerTask(run, result.Baseline);
            if (run.Succeeded)
            {
                run.Derived["in_flight_asked"] = n;
                run.Derived["memory_per_in_flight_task_bytes"] = perTask;
            }

            result.Rows.Add(new ScaleRow(n, run, perTask));
        }

        result.NoteMissingContractKeys();
        return result;
    }

    private static RunSpec Spec(string name, int n, bool quick)
    {
        var count = n.ToString(CultureInfo.InvariantCulture);
        return new RunSpec(name, "coral", ["--tasks", count, "--concurrency", count, "--set", .. WideFleet(quick)]);
    }

    /// <summary>(peak memory(N) - peak memory(baseline)) / (peak in flight(N) - peak in flight(baseline)); null when a figure is missing.</summary>
    private static double? PerTask(BenchRun run, BenchRun baseline)
    {
        var memory = run["peak_memory_bytes"] - baseline["peak_memory_bytes"];
        var tasks = run["peak_in_flight"] - baseline["peak_in_flight"];
        return tasks is > 0 ? memory / tasks : null;
    }
}
