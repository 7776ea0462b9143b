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

    /// <summary>How tasks move between agents (<c>scheduler</c>).</summary>
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.P2p;

    /// <summary><c>scheduler=batch</c>: batch workers K; each batch holds <see cref="Concurrency"/>/K tasks.</summary>
    public int BatchWorkers { get; init; } = 20;

    /// <summary><c>scheduler=central</c>: workers that run the controller's steps (0: <see cref="Concurrency"/>).</summary>
    public int CentralWorkers { get; init; }

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
            Scheduler = SchedulerOf(settings.GetString(EngineSettings.Scheduler)),
            BatchWorkers = settings.GetInt(EngineSettings.BatchWorkers),
            CentralWorkers = settings.GetInt(EngineSettings.CentralWorkers),
        };
    }

    /// <summary>The <c>scheduler</c> setting's value: p2p, batch or central.</summary>
    public static SchedulerKind SchedulerOf(string? name) => name switch
    {
        null or "p2p" => SchedulerKind.P2p,
        "batch" => SchedulerKind.Batch,
        "central" => SchedulerKind.Central,
        _ => throw new ArgumentException($"unknown scheduler '{name}' (p2p, batch, central)", nameof(name)),
    };

    /// <summary>The name of <paramref name="kind"/> in settings and the manifest.</summary>
    public static string NameOf(SchedulerKind kind) => EngineSettings.SchedulerNames[(int)kind];
}
