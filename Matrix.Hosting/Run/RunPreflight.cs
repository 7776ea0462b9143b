using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Http;
using Matrix.Engine.Llm.Pools;
using Matrix.Engine.Llm.Sim;
using Matrix.Engine.Runtime;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Hosting.Cli;
using Matrix.Store.Arrow.Write;
using Microsoft.Extensions.Logging;

namespace Matrix.Hosting.Run;

/// <summary>
/// Everything a user can get wrong, checked before the first task starts (and before anything is written), each
/// as a <see cref="UsageException"/>: the input, the output directory, the scheduler's terms, the LLM endpoints.
/// </summary>
internal static class RunPreflight
{
    /// <summary>
    /// Applies the scheduler's rule to <paramref name="settings"/> and checks the input and the output directory
    /// (a new run needs one without output, <paramref name="resume"/> one whose run this is).
    /// </summary>
    public static RunPlan Check(Scenario scenario, RunSettings settings, bool resume, bool retryFailed)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(settings);
        var scheduler = EngineOptions.SchedulerOf(settings.GetString(EngineSettings.Scheduler));
        if (scheduler != SchedulerKind.P2p && settings.GetInt(EngineSettings.OffloadBytes) != 0)
        {
            // The baselines keep whole messages in their tasks, as the systems they stand for do.
            settings.Set(EngineSettings.OffloadBytes, "0", $"scheduler={EngineOptions.NameOf(scheduler)}");
        }

        var outDir = settings.GetString(EngineSettings.Out)!;
        var inputPath = settings.GetString(EngineSettings.Input);
        CheckInput(inputPath);
        var identity = RunIdentity.Of(scenario.Name, settings);
        if (resume)
        {
            identity.CheckResumable(outDir);
        }
        else
        {
            CheckOutputDirectory(outDir);
        }

        // The scenario checks its own settings (templates, schemas) here too, so its mistakes also precede any write.
        var configured = scenario.Configure(settings);
        try
        {
            ArrowTaskSinkFactory.CheckColumns(configured.Columns);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"scenario '{configured.Name}': {e.Message.Split(" (Parameter", 2)[0]}");
        }

        return new RunPlan(configured, settings, scheduler, outDir, inputPath, identity) { Resume = resume, RetryFailed = retryFailed };
    }

    /// <summary>
    /// The rank's LLM client: <c>--llm oracle</c> for scenarios that have one, else the pools (<see cref="LlmFleet"/>) with
    /// every role bound to its own; endpoints given directly must answer now (a user mistake otherwise).
    /// </summary>
    public static async Task<ILlmClient> CreateLlmAsync(Scenario scenario, RunSettings settings, LlmCounters counters, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(settings);
        var targets = settings.GetList(EngineSettings.Llm);
        if (targets.Count == 1 && targets[0] == OracleLlm.Name)
        {
            return scenario.HasOracle
                ? new OracleLlm()
                : throw new UsageException($"--llm oracle: {scenario.Name} has no oracle (tau2 has one); use sim or an endpoint URL");
        }

        var fleet = LlmFleet.Create(
            settings,
            scenario.Roles,
            counters,
            () => new SimulatedLlm(SimFleetOptions.FromSettings(settings), counters, responders: scenario.SimResponders),
            loggers);
        try
        {
            await fleet.ProbeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (LlmUnavailableException e)
        {
            await fleet.DisposeAsync().ConfigureAwait(false);
            throw new UsageException(e.Message);
        }

        return fleet;
    }

    private static void CheckInput(string? path)
    {
        if (path is not null && !File.Exists(path) && !Directory.Exists(path))
        {
            throw new UsageException($"input '{path}' does not exist");
        }
    }

    /// <summary>A run never mixes its parts with another run's: that would be silently wrong output.</summary>
    private static void CheckOutputDirectory(string outDir)
    {
        if (File.Exists(outDir))
        {
            throw new UsageException($"--out '{outDir}' is a file, not a directory");
        }

        if (Directory.Exists(outDir)
            && (Directory.EnumerateFiles(outDir, "part-*.arrow").Any() || File.Exists(Path.Combine(outDir, ManifestWriter.FileName)) || RunIdentity.ExistsIn(outDir)))
        {
            throw new UsageException($"output directory '{outDir}' already holds a run's output; pass --resume to continue it, or choose another --out");
        }
    }
}
