using Matrix.Engine.Settings;

namespace Matrix.Engine.Runtime;

/// <summary>What one rank's engine needs from the settings, read once at start.</summary>
public sealed record EngineOptions
{
    public int Concurrency { get; init; } = EngineSettings.DefaultConcurrency;

    public int Trials { get; init; } = 1;

    public ulong Seed { get; init; }

    public int MaxHops { get; init; } = 10_000;

    /// <summary>Parallelism per role; a role missing here gets the default for its kind.</summary>
    public IReadOnlyDictionary<string, int> Parallelism { get; init; } = new Dictionary<string, int>();

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Message content above this many UTF-8 bytes is offloaded to the content store (0: never).</summary>
    public int OffloadBytes { get; init; }

    /// <summary>Task ids that already have a record (<c>--resume</c>): they are not admitted again.</summary>
    public Func<string, bool>? AlreadyDone { get; init; }

    public static EngineOptions FromSettings(RunSettings settings, IEnumerable<string> roles)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(roles);
        var parallelism = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var role in roles)
        {
            var p = settings.GetInt(EngineSettings.ParallelismKey(role));
            if (p > 0)
            {
                parallelism[role] = p;
            }
        }

        return new EngineOptions
        {
            Concurrency = settings.GetInt(EngineSettings.Concurrency),
            Trials = settings.GetInt(EngineSettings.Trials),
            Seed = (ulong)settings.GetLong(EngineSettings.Seed),
            MaxHops = settings.GetInt(EngineSettings.MaxHops),
            OffloadBytes = settings.GetInt(EngineSettings.OffloadBytes),
            Parallelism = parallelism,
        };
    }
}
