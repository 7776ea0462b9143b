using System.Globalization;

namespace Matrix.Hosting.Bench;

/// <summary>
/// Each scenario (coral, nr, tau2 on its built-in domain) against a simulated fleet of known capacity C,
/// under the p2p engine and the two baselines Matrix compares itself with (<c>scheduler=batch</c>,
/// <c>scheduler=central</c>), in alternating runs (p2p, batch, central, p2p, ...) so that a drift of the
/// machine hits every scheduler alike. Ratios are taken within this bench only.
/// </summary>
internal sealed class FleetSuite : IBenchSuite
{
    public const string SchedulerKey = "scheduler";
    public const string P2p = "p2p";

    /// <summary>The schedulers in the order each repetition runs them.</summary>
    public static readonly string[] SchedulerNames = [P2p, "batch", "central"];

    /// <summary>The figures summarized per scheduler (medians over repetitions).</summary>
    public static readonly string[] SummaryFigures =
    [
        "completion_tokens_per_second", "utilization", "tasks_per_second", "task_p50_ms", "task_p99_ms", "queued_share", "cpu_seconds", "peak_memory_bytes", "elapsed_seconds",
    ];

    public string Name => BenchOptions.Fleet;

    public async Task<SuiteResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var options = context.Options;
        var result = new FleetResult(options.Repeat);
        result.Schedulers.AddRange(context.HasSchedulerSetting ? SchedulerNames : [P2p]);
        if (!context.HasSchedulerSetting)
        {
            result.Note("this engine has no 'scheduler' setting: only p2p was measured, batch and central are missing");
        }

        var presets = FleetPreset.All.Where(p => context.Scenarios.Contains(p.Scenario)).ToList();
        foreach (var missing in FleetPreset.All.Where(p => !context.Scenarios.Contains(p.Scenario)))
        {
            result.Note($"{missing.Scenario}: not in this executable, skipped");
        }

        var planned = presets.Count * options.Repeat * result.Schedulers.Count;
        var index = 0;
        foreach (var preset in presets)
        {
            var scenario = new FleetScenarioResult(preset);
            result.Scenarios.Add(scenario);
            foreach (var name in result.Schedulers)
            {
                scenario.Schedulers[name] = new SchedulerSummary(name);
            }

            for (var repeat = 1; repeat <= options.Repeat; repeat++)
            {
                foreach (var scheduler in result.Schedulers)
                {
                    var spec = new RunSpec(
                        string.Create(CultureInfo.InvariantCulture, $"{preset.Scenario}-{scheduler}-{repeat}"),
                        preset.Scenario,
                        preset.Args(options.Quick, context.HasSchedulerSetting ? scheduler : null))
                    {
                        Scheduler = scheduler,
                        Repeat = repeat,
                    };
                    var run = await context.RunAsync(Name, spec, string.Create(CultureInfo.InvariantCulture, $"{++index}/{planned}"), cancellationToken).ConfigureAwait(false);
                    Derive(run, preset, result);
                    result.Runs.Add(run);
                    scenario.Schedulers[scheduler].Runs.Add(run);
                }
            }

            Summarize(scenario);
        }

        result.NoteMissingContractKeys();
        return result;
    }

    private static void Derive(BenchRun run, FleetPreset preset, FleetResult result)
    {
        if (!run.Succeeded)
        {
            return;
        }

        var capacity = preset.CapacityTokensPerSecond;
        run.Derived["capacity_tokens_per_second"] = capacity;
        run.Derived["utilization"] = Stats.Ratio(run["completion_tokens_per_second"], capacity);
        var reported = ManifestFigures.String(run.Manifest, SchedulerKey);
        if (reported is not null && reported != run.Spec.Scheduler)
        {
            result.Note($"{run.Name}: asked for scheduler={run.Spec.Scheduler}, the manifest says '{reported}'");
        }
    }

    private static void Summarize(FleetScenarioResult scenario)
    {
        foreach (var summary in scenario.Schedulers.Values)
        {
            foreach (var figure in SummaryFigures)
            {
                summary.Medians[figure] = Stats.Median(summary.Runs.Select(r => r[figure]));
            }
        }

        if (!scenario.Schedulers.TryGetValue(P2p, out var p2p))
        {
            return;
        }

        foreach (var baseline in scenario.Schedulers.Values.Where(s => s.Scheduler != P2p))
        {
            const string Tokens = "completion_tokens_per_second";
            scenario.Ratios[baseline.Scheduler] = Stats.Ratio(p2p[Tokens], baseline[Tokens]);
            scenario.RatiosPerRepeat[baseline.Scheduler] = [.. p2p.Runs.Select(r => Stats.Ratio(r[Tokens], baseline.Runs.FirstOrDefault(b => b.Spec.Repeat == r.Spec.Repeat)?[Tokens]))];
        }
    }
}
