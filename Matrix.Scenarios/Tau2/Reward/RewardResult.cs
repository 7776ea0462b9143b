using MemoryPack;

namespace Matrix.Scenarios.Tau2.Reward;

/// <summary>
/// A trajectory's reward as tau2-bench computes it: one value per component (null when the component is not in
/// the task's <c>reward_basis</c> or could not be judged) and the total, the product of the judged components.
/// </summary>
[MemoryPackable]
internal sealed partial record RewardResult(double? Db, double? Action, double? Env, double? Communicate, double? Nl)
{
    /// <summary>The product of the components that were judged (1.0 when none was).</summary>
    [MemoryPackIgnore]
    public double Total => (Db ?? 1.0) * (Action ?? 1.0) * (Env ?? 1.0) * (Communicate ?? 1.0) * (Nl ?? 1.0);

    /// <summary>Human-readable reasons for every component below 1 (logs and tests).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
