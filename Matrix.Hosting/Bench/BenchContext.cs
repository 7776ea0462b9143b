using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Matrix.Hosting.Bench;

/// <summary>
/// What the suites share: the options, the executable, the progress stream, and <see cref="RunAsync"/>,
/// which starts one configuration as a child <c>matrix run</c> with its own <c>--out</c> under
/// DIR/runs/SUITE/NAME, waits for it, reads its manifest and removes its output unless --keep-runs.
/// </summary>
internal sealed class BenchContext(BenchOptions options, MatrixExecutable executable, TextWriter progress)
{
    private const string ManifestFile = "manifest.json";

    public BenchOptions Options { get; } = options;

    public MatrixExecutable Executable { get; } = executable;

    /// <summary>Every run so far, in the order they ran.</summary>
    public List<BenchRun> Runs { get; } = [];

    /// <summary>The scenarios this executable has (a user's own executable may lack coral, nr or tau2).</summary>
    public IReadOnlySet<string> Scenarios { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Whether <c>matrix run</c> knows the <c>scheduler</c> setting (p2p, batch, central).</summary>
    public bool HasSchedulerSetting { get; init; }

    public string RunsDirectory => Path.Combine(Options.Out, BenchOptions.RunsDirectory);

    public Task LogAsync(string line) => progress.WriteLineAsync("bench: " + line);

    /// <summary>Runs <paramref name="spec"/>; a failed run is reported (not thrown), so the bench goes on.</summary>
    public async Task<BenchRun> RunAsync(string suite, RunSpec spec, string position, CancellationToken cancellationToken)
    {
        var outDir = Path.Combine(RunsDirectory, suite, spec.Name);
        var command = Executable.Command(spec.Ranks, ["run", spec.Scenario, .. spec.Args, "--out", outDir]);
        var run = new BenchRun(suite, spec, command);
        Runs.Add(run);
        await LogAsync($"[{position}] {suite} {spec.Name}: {run.CommandLine}").ConfigureAwait(false);

        Directory.CreateDirectory(Path.GetDirectoryName(outDir)!);
        run.LoadAverageBefore = MachineInfo.ReadLoadAverage();
        ChildOutcome outcome;
        try
        {
            outcome = await ChildRun.RunAsync(command, Options.RunTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            run.Error = "interrupted (the bench was stopped)";
            if (!Options.KeepRuns)
            {
                DeleteQuietly(outDir);
            }

            throw;
        }

        run.ExitCode = outcome.ExitCode;
        run.WallSeconds = outcome.Wall.TotalSeconds;
        run.Error = outcome switch
        {
            { TimedOut: true } => string.Create(CultureInfo.InvariantCulture, $"did not finish within {Options.RunTimeout.TotalSeconds:0} s and was killed"),
            { ExitCode: not 0 } => string.Create(CultureInfo.InvariantCulture, $"exit code {outcome.ExitCode}: {outcome.LastErrorLines.LastOrDefault(l => l.Length > 0) ?? "(no message)"}"),
            _ => null,
        };
        if (run.Error is null)
        {
            run.Manifest = ReadManifest(outDir, out var problem);
            run.Error = problem;
        }

        if (run.Error is not null)
        {
            run.ErrorTail = outcome.LastErrorLines;
        }
        else
        {
            ManifestFigures.AddCommon(run.Manifest!, run.Derived);
        }

        if (!Options.KeepRuns)
        {
            DeleteQuietly(outDir);
        }

        var result = run.Error is null ? "done" : "FAILED (" + run.Error + ")";
        await LogAsync(string.Create(CultureInfo.InvariantCulture, $"[{position}] {suite} {spec.Name}: {result} in {run.WallSeconds:0.0} s")).ConfigureAwait(false);
        return run;
    }

    /// <summary>Removes DIR/runs unless --keep-runs (each run already removed its own directory).</summary>
    public void RemoveRunsDirectory()
    {
        if (!Options.KeepRuns)
        {
            DeleteQuietly(RunsDirectory);
        }
    }

    private static JsonObject? ReadManifest(string outDir, out string? problem)
    {
        var path = Path.Combine(outDir, ManifestFile);
        problem = null;
        try
        {
            if (JsonNode.Parse(File.ReadAllText(path)) is JsonObject manifest)
            {
                return manifest;
            }

            problem = $"{path} is not a JSON object";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            problem = $"no readable {path}: {e.Message}";
        }

        return null;
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A report without the cleanup is still a report.
        }
    }
}
