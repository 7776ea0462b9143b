using System.Diagnostics;
using System.Globalization;
using Matrix.Engine.Scenarios;
using Matrix.Hosting.Bench;
using Matrix.Hosting.Cli;
using Matrix.Hosting.Run;

namespace Matrix.Hosting.Commands;

/// <summary>
/// <c>matrix bench</c>: runs the named suites, each configuration as a child <c>matrix run</c> of this very
/// executable on the simulated fleet, then writes DIR/bench.json, DIR/bench.md and DIR/bench.svg and prints
/// the tables. Exit code 0 when every run produced its figures, 1 when some did not (the reports say which),
/// 2 for a usage mistake, 130 when interrupted (the reports then hold the runs finished so far).
/// </summary>
internal static class BenchCommand
{
    public static async Task<int> ExecuteAsync(BenchVerb verb, IReadOnlyList<string> args, IReadOnlyList<Scenario> scenarios, HostConsole console, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var loadAtStart = MachineInfo.ReadLoadAverage();
        var options = BenchOptions.FromVerb(verb, startedAt);
        var names = scenarios.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        if (options.Suites.Any(s => s is BenchOptions.Ceiling or BenchOptions.Scale) && !names.Contains("coral"))
        {
            throw new UsageException("bench: the ceiling and scale suites run coral, which this executable does not have");
        }

        if (options.Suites.Contains(BenchOptions.Fleet) && !FleetPreset.All.Any(p => names.Contains(p.Scenario)))
        {
            throw new UsageException("bench: the fleet suite runs coral, nr and tau2, none of which this executable has");
        }

        var executable = await MatrixExecutable.DetectAsync(cancellationToken).ConfigureAwait(false);
        var machine = MachineInfo.Detect(executable.Self);
        var commandLine = ShellQuote.Join([.. executable.Self, .. args]);
        Directory.CreateDirectory(options.Out);
        var context = new BenchContext(options, executable, console.Error)
        {
            Scenarios = names,
            HasSchedulerSetting = KnowsSetting(scenarios, FleetSuite.SchedulerKey),
        };
        await context.LogAsync($"machine: {machine.Describe()}").ConfigureAwait(false);
        await context.LogAsync($"suites {string.Join(", ", options.Suites)}{(options.Quick ? " (quick)" : string.Empty)} -> {options.Out}").ConfigureAwait(false);

        var results = new List<SuiteResult>();
        var complete = true;
        try
        {
            foreach (var name in options.Suites)
            {
                IBenchSuite suite = name switch
                {
                    BenchOptions.Ceiling => new CeilingSuite(),
                    BenchOptions.Fleet => new FleetSuite(),
                    _ => new ScaleSuite(),
                };
                var clock = Stopwatch.StartNew();
                var result = await suite.RunAsync(context, cancellationToken).ConfigureAwait(false);
                result.WallSeconds = clock.Elapsed.TotalSeconds;
                results.Add(result);
                await context.LogAsync(string.Create(CultureInfo.InvariantCulture, $"suite {name}: {result.Runs.Count} runs ({result.Runs.Count(r => !r.Succeeded)} failed) in {result.WallSeconds:0.0} s")).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            complete = false;
        }

        context.RemoveRunsDirectory();
        var report = new BenchReport(machine, options, commandLine, startedAt, DateTimeOffset.UtcNow, results, context.Runs, complete)
        {
            LoadAverage = (loadAtStart, MachineInfo.ReadLoadAverage()),
        };
        await BenchJsonWriter.WriteAsync(Path.Combine(options.Out, BenchOptions.JsonFile), report, CancellationToken.None).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(options.Out, BenchOptions.MarkdownFile), BenchMarkdownWriter.Render(report, withCommands: true), CancellationToken.None).ConfigureAwait(false);
        await BenchSvgWriter.WriteAsync(Path.Combine(options.Out, BenchOptions.SvgFile), report, CancellationToken.None).ConfigureAwait(false);

        await console.Out.WriteLineAsync(BenchMarkdownWriter.Render(report, withCommands: false)).ConfigureAwait(false);
        await console.Out.WriteLineAsync($"bench: wrote {Path.Combine(options.Out, BenchOptions.JsonFile)}, {BenchOptions.MarkdownFile} (with every run's command) and {BenchOptions.SvgFile}").ConfigureAwait(false);
        if (!complete)
        {
            await console.Error.WriteLineAsync("matrix: bench interrupted; the reports hold the runs finished so far").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }

        if (report.FailedRuns > 0)
        {
            await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"matrix: bench: {report.FailedRuns} of {report.Runs.Count} runs failed (see {Path.Combine(options.Out, BenchOptions.MarkdownFile)})")).ConfigureAwait(false);
            return ExitCodes.RuntimeFailure;
        }

        return ExitCodes.Success;
    }

    /// <summary>Whether <c>matrix run</c> declares <paramref name="key"/> (the scheduler setting is newer than some engines).</summary>
    private static bool KnowsSetting(IReadOnlyList<Scenario> scenarios, string key)
    {
        var scenario = scenarios.FirstOrDefault(s => FleetPreset.All.Any(p => p.Scenario == s.Name)) ?? scenarios.FirstOrDefault();
        return scenario is not null && RunSettingsResolver.Resolve(new RunVerb { Scenario = scenario.Name }, scenario).Schema.TryGet(key, out _);
    }
}
