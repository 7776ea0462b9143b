namespace Matrix.Engine.Orchestration;

/// <summary>How a task ended. Written to the <c>status</c> column as its lower-case name.</summary>
public enum TaskOutcome
{
    /// <summary>Still travelling between agents.</summary>
    Running = 0,

    /// <summary>The scenario's done rule accepted the task.</summary>
    Success,

    /// <summary>The scenario dropped the task on purpose (a curation filter); <c>reason</c> says why.</summary>
    Filtered,

    /// <summary>An error ended the task: an agent threw, an LLM call failed after its retries, or the input row was malformed.</summary>
    Failed,
}

public static class TaskOutcomeNames
{
    public static string ToColumnValue(this TaskOutcome outcome) => outcome switch
    {
        TaskOutcome.Success => "success",
        TaskOutcome.Filtered => "filtered",
        TaskOutcome.Failed => "failed",
        _ => "running",
    };
}
