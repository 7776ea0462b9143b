namespace Matrix.Engine.Orchestration;

/// <summary>
/// The scenario's decision after each step: hand the task to another agent, or end it.
/// </summary>
public readonly record struct Route
{
    private Route(string? nextRole, TaskOutcome outcome, string? reason)
    {
        NextRole = nextRole;
        Outcome = outcome;
        Reason = reason;
    }

    /// <summary>The role to run next; null when the task is done.</summary>
    public string? NextRole { get; }

    /// <summary>The outcome when done.</summary>
    public TaskOutcome Outcome { get; }

    /// <summary>Why the task stopped (or was filtered).</summary>
    public string? Reason { get; }

    public bool IsDone => NextRole is null;

    public static Route To(string role)
    {
        ArgumentException.ThrowIfNullOrEmpty(role);
        return new Route(role, TaskOutcome.Running, null);
    }

    public static Route Succeed(string? reason = null) => new(null, TaskOutcome.Success, reason);

    public static Route Filter(string reason) => new(null, TaskOutcome.Filtered, reason);

    public static Route Fail(string reason) => new(null, TaskOutcome.Failed, reason);
}
