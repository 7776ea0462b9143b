using CommandLine;
using CommandLine.Text;
using Matrix.Engine.Scenarios;
using Matrix.Hosting.Cli;
using Matrix.Hosting.Commands;

namespace Matrix.Hosting;

// This file only parses, dispatches and maps exceptions to exit codes. Each verb is two files named after it:
// its options in Cli/<Name>Verb.cs and its handler in Commands/<Name>Command.cs; what a handler composes
// lives in its concern's folder (Run/, Bench/, SimServer/), so a verb's code is found from its name alone.
/// <summary>
/// The host entry point. The <c>matrix</c> executable and a user's own scenario executable are each one
/// call: <c>return await MatrixHost.RunAsync(args, [new MyScenario()]);</c>. It gives them every verb
/// (<c>run</c>, <c>sim-server</c>, <c>inspect</c>, <c>ranks</c>, <c>bench</c>), settings, output and, under a launcher, ranks.
/// </summary>
public static class MatrixHost
{
    /// <summary>Parses <paramref name="args"/>, runs the verb and returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, IReadOnlyList<Scenario> scenarios, HostConsole? console = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(scenarios);
        console ??= HostConsole.System;
        using var interrupt = console.HandlesSignals ? new InterruptHandler(cancellationToken) : null;
        var token = interrupt?.Token ?? cancellationToken;

        using var parser = new Parser(s =>
        {
            s.HelpWriter = null;
            s.CaseSensitive = true;
            s.CaseInsensitiveEnumValues = true;
            s.AutoVersion = true;
            s.AllowMultiInstance = true;
        });
        var parsed = parser.ParseArguments<RunVerb, SimServerVerb, InspectVerb, RanksVerb, BenchVerb>(args);
        try
        {
            return await parsed.MapResult(
                (RunVerb v) => RunCommand.ExecuteAsync(v, scenarios, console, token),
                (SimServerVerb v) => SimServerCommand.ExecuteAsync(v, scenarios, console, token),
                (InspectVerb v) => Task.FromResult(InspectCommand.Execute(v, console)),
                (RanksVerb _) => RanksCommand.ExecuteAsync(console, token),
                (BenchVerb v) => BenchCommand.ExecuteAsync(v, args, scenarios, console, token),
                errors => ReportParseErrorsAsync(parsed, errors, scenarios, console)).ConfigureAwait(false);
        }
        catch (Exception e) when (HostErrors.Describe(e, token.IsCancellationRequested) is { } failure)
        {
            await console.Error.WriteLineAsync($"matrix: {failure.Line}").ConfigureAwait(false);
            return failure.ExitCode;
        }
    }

    private static async Task<int> ReportParseErrorsAsync(ParserResult<object> parsed, IEnumerable<Error> errors, IReadOnlyList<Scenario> scenarios, HostConsole console)
    {
        var list = errors.ToList();
        if (list.Any(e => e.Tag is ErrorType.HelpRequestedError or ErrorType.HelpVerbRequestedError or ErrorType.VersionRequestedError))
        {
            var help = HelpText.AutoBuild(parsed, h =>
            {
                h.Heading = "matrix: multi-agent synthetic data generation, peer to peer (Matrix.NET)";
                h.Copyright = string.Empty;
                h.AddDashesToOption = true;
                h.AdditionalNewLineAfterOption = false;
                h.MaximumDisplayWidth = 100;
                h.AddPostOptionsLines(
                [
                    string.Empty,
                    "Scenarios: " + string.Join(", ", scenarios.Select(s => $"{s.Name} ({s.Description})")),
                    "Examples:",
                    "  matrix run coral --tasks 1000 --out out/coral",
                    "  matrix run coral --llm http://node17:8000/v1 --model meta-llama/Llama-3.1-8B-Instruct --concurrency 4000",
                    "  matrix run coral --config run.yaml --set coral.max_turns=10",
                    "  matrix run coral --help-settings",
                    "  matrix sim-server --port 8000",
                    "  matrix inspect out/coral",
                    "  mpiexec -n 3 matrix run coral --tasks 30000 --out out/coral3   (srun --mpi=pmix under Slurm)",
                    "  srun -n 4 --mpi=pmix matrix ranks",
                    "  matrix bench --suite all --out bench1   (suites: ceiling, fleet, scale; --quick: smoke size)",
                ]);
                return h;
            }, e => e, verbsIndex: true);
            await console.Out.WriteLineAsync(help.ToString()).ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var verb = parsed.TypeInfo.Current.GetCustomAttributes(typeof(VerbAttribute), inherit: false).OfType<VerbAttribute>().FirstOrDefault()?.Name ?? "run";
        await console.Error.WriteLineAsync($"matrix: {Describe(list[0])} (matrix --help lists the commands, matrix {verb} --help the options)").ConfigureAwait(false);
        return ExitCodes.Usage;
    }

    private static string Describe(Error error) => error switch
    {
        UnknownOptionError u => $"unknown option '--{u.Token}'",
        BadVerbSelectedError b => $"unknown command '{b.Token}' (commands: run, sim-server, inspect, ranks, bench)",
        NoVerbSelectedError => "name a command: run, sim-server, inspect, ranks or bench",
        MissingValueOptionError m => $"option '--{m.NameInfo.LongName}' needs a value",
        BadFormatConversionError f => $"option '--{f.NameInfo.LongName}' has a value of the wrong type",
        MissingRequiredOptionError r => $"missing {(string.IsNullOrEmpty(r.NameInfo.LongName) ? "argument" : "--" + r.NameInfo.LongName)}",
        RepeatedOptionError r => $"option '--{r.NameInfo.LongName}' given twice",
        UnknownOptionError or _ => error.Tag.ToString(),
    };
}
