using Matrix.Engine.Scenarios;
using Matrix.Hosting.Cli;
using Matrix.Hosting.Logging;
using Matrix.Hosting.Run;

namespace Matrix.Hosting.Commands;

/// <summary>
/// <c>matrix run</c>: resolves the settings, checks everything a user can get wrong before the first
/// task starts (scenario, keys, input, output directory, LLM endpoint), then composes the rank's
/// engine with its LLM client and Arrow sink, runs it and writes the manifest.
/// </summary>
internal static class RunCommand
{
    public static async Task<int> ExecuteAsync(RunVerb verb, IReadOnlyList<Scenario> scenarios, HostConsole console, CancellationToken cancellationToken)
    {
        RunSettingsResolver.CheckFlags(verb);

        // Logs go to stderr, user mistakes stay one plain line (MatrixHost.cs), stdout keeps the summary.
        var logRank = new LogRank();
        using var loggers = LogOptions.CreateFactory(console, verb.LogLevel, verb.LogFormat, logRank);
        var scenario = RunSettingsResolver.FindScenario(verb.Scenario, scenarios);
        var settings = RunSettingsResolver.Resolve(verb, scenario);
        if (verb.HelpSettings)
        {
            await SettingsHelp.WriteAsync(settings, console.Out).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var plan = RunPreflight.Check(scenario, settings, verb.Resume, verb.RetryFailed);
        var run = await RankRun.StartAsync(plan, console, loggers, logRank, cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await run.RunAsync(cancellationToken).ConfigureAwait(false);
            return await RunReporter.ReportAsync(run, result, console).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Before the session closes: a failed rank ends the whole job rather than leave the others waiting.
            await run.Session.AbortJobOnErrorAsync(e, console).ConfigureAwait(false);
            throw;
        }
        finally
        {
            await run.DisposeAsync().ConfigureAwait(false);
        }
    }
}
