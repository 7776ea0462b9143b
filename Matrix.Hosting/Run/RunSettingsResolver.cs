using Matrix.Engine.Llm.Http;
using Matrix.Engine.Llm.Pools;
using Matrix.Engine.Llm.Sim;
using Matrix.Engine.Runtime;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Hosting.Cli;

namespace Matrix.Hosting.Run;

/// <summary>
/// <c>matrix run</c>'s command line made into settings: the scenario it names, then every setting a run declares,
/// with --config applied first, --set over it and the flags last, so the most specific word wins.
/// </summary>
internal static class RunSettingsResolver
{
    /// <summary>Flag combinations that mean nothing; checked before any logger exists, as a plain usage line.</summary>
    public static void CheckFlags(RunVerb verb)
    {
        ArgumentNullException.ThrowIfNull(verb);
        if (verb.RetryFailed && !verb.Resume)
        {
            throw new UsageException("--retry-failed works with --resume: it runs the failed tasks of the run in --out again");
        }
    }

    public static Scenario FindScenario(string? name, IReadOnlyList<Scenario> scenarios)
    {
        ArgumentNullException.ThrowIfNull(scenarios);
        var names = string.Join(", ", scenarios.Select(s => s.Name));
        if (string.IsNullOrEmpty(name))
        {
            throw new UsageException($"run: name a scenario (available: {names})");
        }

        return scenarios.FirstOrDefault(s => s.Name == name)
            ?? throw new UsageException($"unknown scenario '{name}' (available: {names})");
    }

    /// <summary>A run of <paramref name="scenario"/> with every setting at its default: what the layers apply to.</summary>
    public static RunSettings Defaults(Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var schema = new SettingsSchema();
        EngineSettings.Declare(schema);
        HttpLlmOptions.Declare(schema);
        LlmPoolSettings.Declare(schema, scenario.Roles);
        SimFleetOptions.Declare(schema);
        TransportSettings.Declare(schema);
        MetricsSettings.Declare(schema);
        scenario.DeclareSettings(schema);
        EngineSettings.DeclareRoles(schema, scenario.Roles);
        Placement.Declare(schema, scenario.Roles.Select(r => r.Name));
        return new RunSettings(schema);
    }

    /// <summary>
    /// <c>--prompt</c>, <c>--system</c> and <c>--schema</c> set the scenario's own key of that name
    /// (<c>generate.prompt</c>): flags for scenarios built around a prompt, refused by the others.
    /// </summary>
    private static void ApplyScenarioFlag(RunSettings settings, Scenario scenario, string name, string? value)
    {
        if (value is null)
        {
            return;
        }

        // A value of @FILE names a file: the scenario's <name>_file key (--schema @reply.json).
        var key = value.StartsWith('@') && settings.Schema.TryGet($"{scenario.Name}.{name}_file", out _)
            ? $"{scenario.Name}.{name}_file"
            : $"{scenario.Name}.{name}";
        value = key.EndsWith("_file", StringComparison.Ordinal) ? value[1..] : value;
        if (!settings.Schema.TryGet(key, out _))
        {
            throw new UsageException($"--{name}: scenario '{scenario.Name}' takes no {name} (it has no setting {key})");
        }

        SettingsLoader.ApplyFlag(settings, key, value, $"--{name}");
    }

    public static RunSettings Resolve(RunVerb verb, Scenario scenario)
    {
        ArgumentNullException.ThrowIfNull(verb);
        var settings = Defaults(scenario);
        if (verb.Config is not null)
        {
            SettingsLoader.ApplyYaml(settings, verb.Config);
        }

        SettingsLoader.ApplySets(settings, verb.Set);
        if (verb.Input is not null && verb.Data is not null)
        {
            throw new UsageException("give --input or --data, not both");
        }

        SettingsLoader.ApplyFlag(settings, EngineSettings.Input, verb.Input ?? verb.Data, verb.Input is null ? "--data" : "--input");
        SettingsLoader.ApplyFlag(settings, EngineSettings.Out, verb.Out, "--out");
        SettingsLoader.ApplyFlag(settings, EngineSettings.Llm, verb.Llm, "--llm");
        SettingsLoader.ApplyFlag(settings, EngineSettings.Model, verb.Model, "--model");
        SettingsLoader.ApplyFlag(settings, EngineSettings.Tasks, verb.Tasks, "--tasks");
        SettingsLoader.ApplyFlag(settings, EngineSettings.Trials, verb.Trials, "--trials");
        SettingsLoader.ApplyFlag(settings, EngineSettings.Concurrency, verb.Concurrency, "--concurrency");
        SettingsLoader.ApplyFlag(settings, EngineSettings.Seed, verb.Seed, "--seed");
        SettingsLoader.ApplyFlag(settings, MetricsSettings.Port, verb.MetricsPort, "--metrics-port");
        ApplyScenarioFlag(settings, scenario, "prompt", verb.Prompt);
        ApplyScenarioFlag(settings, scenario, "system", verb.SystemPrompt);
        ApplyScenarioFlag(settings, scenario, "schema", verb.Schema);
        return settings;
    }
}
