using Matrix.Engine.Runtime;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;

namespace Matrix.Hosting.Run;

/// <summary>
/// A run that <see cref="RunPreflight"/> accepted: its scenario and settings, and what follows from them.
/// A rank's run is composed from this alone, so nothing reaches the engine unchecked.
/// </summary>
internal sealed record RunPlan(Scenario Scenario, RunSettings Settings, SchedulerKind Scheduler, string OutDir, string? InputPath, RunIdentity Identity)
{
    /// <summary>Continue the run in <see cref="OutDir"/> (<c>--resume</c>) instead of starting one.</summary>
    public bool Resume { get; init; }

    /// <summary>With <see cref="Resume"/>: run the failed tasks again (<c>--retry-failed</c>).</summary>
    public bool RetryFailed { get; init; }
}
