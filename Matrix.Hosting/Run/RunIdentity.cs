using System.Text.Json;
using Matrix.Engine.Runtime;
using Matrix.Engine.Settings;
using Matrix.Hosting.Cli;

namespace Matrix.Hosting.Run;

/// <summary>
/// <c>DIR/run.json</c>: what makes a run's task ids and records what they are (scenario, seed, trials,
/// input). Rank 0 writes it before the first part; <c>--resume</c> refuses a directory whose identity
/// differs, since mixing two runs' records would be silently wrong output.
/// </summary>
internal sealed record RunIdentity(string Scenario, long Seed, int Trials, string? Input)
{
    public const string FileName = "run.json";

    public static RunIdentity Of(string scenario, RunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var input = settings.GetString(EngineSettings.Input);
        return new RunIdentity(scenario, settings.GetLong(EngineSettings.Seed), settings.GetInt(EngineSettings.Trials), input is null ? null : Path.GetFullPath(input));
    }

    public static bool ExistsIn(string directory) => File.Exists(Path.Combine(directory, FileName));

    public async Task WriteAsync(string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        await File.WriteAllBytesAsync(path + ".tmp", JsonSerializer.SerializeToUtf8Bytes(this, new JsonSerializerOptions { WriteIndented = true }), cancellationToken).ConfigureAwait(false);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>Checks that <paramref name="directory"/> holds a run this one can resume; throws <see cref="UsageException"/> otherwise.</summary>
    public void CheckResumable(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new UsageException($"--resume: '{directory}' holds no run to resume (no {FileName}); run without --resume");
        }

        RunIdentity? stored;
        try
        {
            stored = JsonSerializer.Deserialize<RunIdentity>(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new UsageException($"--resume: {path} is not readable: {e.Message}");
        }

        if (stored is null)
        {
            throw new UsageException($"--resume: {path} is empty");
        }

        var differences = new List<string>();
        if (stored.Scenario != Scenario)
        {
            differences.Add($"scenario '{stored.Scenario}', not '{Scenario}'");
        }

        if (stored.Seed != Seed)
        {
            differences.Add($"seed {stored.Seed}, not {Seed}");
        }

        if (stored.Trials != Trials)
        {
            differences.Add($"{stored.Trials} trials, not {Trials}");
        }

        if (stored.Input != Input)
        {
            differences.Add($"input {stored.Input ?? "(built-in sample)"}, not {Input ?? "(built-in sample)"}");
        }

        if (differences.Count > 0)
        {
            throw new UsageException($"--resume: '{directory}' was written with {string.Join(", ", differences)}; resume with the same settings or choose another --out");
        }
    }
}
