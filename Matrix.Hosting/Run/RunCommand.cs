using System.Globalization;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Http;
using Matrix.Engine.Llm.Sim;
using Matrix.Engine.Output;
using Matrix.Engine.Runtime;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Hosting.Cli;
using Matrix.Mpi.Ranks;
using Matrix.Store.Arrow;

namespace Matrix.Hosting.Run;

/// <summary>
/// <c>matrix run</c>: resolves the settings, checks everything a user can get wrong before the first
/// task starts (scenario, keys, input, output directory, LLM endpoint), then composes the rank's
/// engine with its LLM client and Arrow sink, runs it and writes the manifest.
/// </summary>
internal static class RunCommand
{
    public static async Task<int> ExecuteAsync(RunVerb verb, IReadOnlyList<Scenario> scenarios, HostConsole console, CancellationToken cancellationToken)
    {
        var scenario = FindScenario(verb.Scenario, scenarios);
        var settings = ResolveSettings(verb, scenario);
        if (verb.HelpSettings)
        {
            await PrintSettingsAsync(settings, console.Out).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var rank = RankInfo.Single;
        var outDir = settings.GetString(EngineSettings.Out)!;
        var inputPath = settings.GetString(EngineSettings.Input);
        CheckInput(inputPath);
        CheckOutputDirectory(outDir);

        var llmCounters = new LlmCounters();
        using var llm = await CreateLlmAsync(settings, llmCounters, cancellationToken).ConfigureAwait(false);
        var context = new ScenarioContext(settings, (ulong)settings.GetLong(EngineSettings.Seed), (ILlmClient)llm);
        var options = EngineOptions.FromSettings(settings, scenario.Roles.Select(r => r.Name));
        var limit = (long?)settings.Get(EngineSettings.Tasks);

        var startedAt = DateTimeOffset.UtcNow;
        RunSummary summary;
        SinkStatistics output;
        var sink = new ArrowTaskSinkFactory().Create(new SinkOptions(
            outDir,
            rank.Rank,
            scenario.Name,
            scenario.Columns,
            settings.GetInt(EngineSettings.RowsPerBatch),
            settings.GetLong(EngineSettings.RowsPerPart)));
        await using (sink.ConfigureAwait(false))
        {
            var engine = new RankEngine(scenario, context, options, sink);
            var input = Limit(scenario.ReadInputAsync(new InputSource(inputPath, limit), context, cancellationToken), limit);
            var progress = new ProgressReporter(
                scenario.Name,
                engine.Counters,
                llmCounters,
                limit * options.Trials,
                console.Error,
                console.ErrorIsTerminal,
                TimeSpan.FromSeconds(settings.GetDouble(EngineSettings.ProgressInterval)));
            await using (progress.ConfigureAwait(false))
            {
                try
                {
                    summary = await engine.RunAsync(input, cancellationToken).ConfigureAwait(false);
                }
                catch (InputException e) when (engine.Counters.Admitted == 0)
                {
                    throw new UsageException(e.Message);
                }
            }

            await sink.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            output = sink.Statistics;
        }

        await ManifestWriter.WriteAsync(
            outDir,
            new ManifestContent(scenario.Name, rank.Size, startedAt, DateTimeOffset.UtcNow, summary, ((ILlmClient)llm).Describe, llmCounters, output, settings),
            CancellationToken.None).ConfigureAwait(false);

        var inv = CultureInfo.InvariantCulture;
        await console.Out.WriteLineAsync(string.Create(inv,
            $"{scenario.Name}: {summary.Admitted} tasks ({summary.Succeeded} success, {summary.Filtered} filtered, {summary.Failed} failed) in {summary.Elapsed.TotalSeconds:0.00} s, {summary.Admitted / Math.Max(summary.Elapsed.TotalSeconds, 1e-9):0} tasks/s -> {outDir} ({output.Parts} parts, {output.Rows} rows)")).ConfigureAwait(false);
        if (summary.Cancelled)
        {
            await console.Error.WriteLineAsync("matrix: interrupted; the tasks admitted so far were written").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }

        return ExitCodes.Success;
    }

    private static Scenario FindScenario(string? name, IReadOnlyList<Scenario> scenarios)
    {
        var names = string.Join(", ", scenarios.Select(s => s.Name));
        if (string.IsNullOrEmpty(name))
        {
            throw new UsageException($"run: name a scenario (available: {names})");
        }

        return scenarios.FirstOrDefault(s => s.Name == name)
            ?? throw new UsageException($"unknown scenario '{name}' (available: {names})");
    }

    internal static RunSettings ResolveSettings(RunVerb verb, Scenario scenario)
    {
        var schema = new SettingsSchema();
        EngineSettings.Declare(schema);
        HttpLlmOptions.Declare(schema);
        SimFleetOptions.Declare(schema);
        scenario.DeclareSettings(schema);
        EngineSettings.DeclareRoles(schema, scenario.Roles);

        var settings = new RunSettings(schema);
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
        return settings;
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
            && (Directory.EnumerateFiles(outDir, "part-*.arrow").Any() || File.Exists(Path.Combine(outDir, ManifestWriter.FileName))))
        {
            throw new UsageException($"output directory '{outDir}' already holds a run's output; choose another --out or remove it");
        }
    }

    private static async Task<IDisposableLlm> CreateLlmAsync(RunSettings settings, LlmCounters counters, CancellationToken cancellationToken)
    {
        var targets = settings.GetList(EngineSettings.Llm);
        if (targets.Count == 0 || (targets.Count == 1 && targets[0] == "sim"))
        {
            return new DisposableLlm(new SimulatedLlm(SimFleetOptions.FromSettings(settings), counters), null);
        }

        var urls = new List<Uri>();
        foreach (var target in targets)
        {
            if (!Uri.TryCreate(target, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new UsageException($"--llm: '{target}' is neither 'sim' nor an http(s) base URL such as http://node17:8000/v1");
            }

            urls.Add(uri);
        }

        var client = new OpenAiHttpClient(HttpLlmOptions.FromSettings(settings, urls, settings.GetString(EngineSettings.Model)!), counters);
        try
        {
            await client.ProbeAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (LlmUnavailableException e)
        {
            client.Dispose();
            throw new UsageException(e.Message);
        }

        return new DisposableLlm(client, client);
    }

    private static async IAsyncEnumerable<InputRow> Limit(IAsyncEnumerable<InputRow> rows, long? limit)
    {
        long n = 0;
        await foreach (var row in rows.ConfigureAwait(false))
        {
            if (n++ >= limit)
            {
                yield break;
            }

            yield return row;
        }
    }

    private static async Task PrintSettingsAsync(RunSettings settings, TextWriter output)
    {
        foreach (var def in settings.Schema.Definitions)
        {
            var value = settings.Get(def.Key) switch
            {
                null => "(unset)",
                string[] list => string.Join(',', list),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var v => v.ToString(),
            };
            await output.WriteLineAsync($"{def.Key} = {value}\n    {def.Help}").ConfigureAwait(false);
        }
    }

    private interface IDisposableLlm : ILlmClient, IDisposable;

    /// <summary>Pairs the client with what must be disposed after the run (the HTTP connection pool).</summary>
    private sealed class DisposableLlm(ILlmClient inner, IDisposable? owned) : IDisposableLlm
    {
        public string Describe => inner.Describe;

        public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken = default) =>
            inner.CompleteAsync(request, cancellationToken);

        public void Dispose() => owned?.Dispose();
    }
}
