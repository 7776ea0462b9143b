namespace Matrix.Store.Arrow.Read;

/// <summary>One row of an output part as plain values.</summary>
/// <param name="Id">The task id.</param>
/// <param name="Trial">The trial of the input row.</param>
/// <param name="Scenario">The scenario name.</param>
/// <param name="Status"><c>success</c>, <c>filtered</c> or <c>failed</c>.</param>
/// <param name="Reason">Why the task stopped or was filtered.</param>
/// <param name="Error">The error that ended a failed task.</param>
/// <param name="Messages">The task's history, one entry per turn.</param>
/// <param name="PromptTokens">Prompt tokens of the whole task.</param>
/// <param name="CompletionTokens">Completion tokens of the whole task.</param>
/// <param name="Columns">The scenario's own columns by name: string, bool, int, long, double or null.</param>
public sealed record PartRow(
    string Id,
    int Trial,
    string Scenario,
    string Status,
    string? Reason,
    string? Error,
    IReadOnlyList<PartMessage> Messages,
    long PromptTokens,
    long CompletionTokens,
    IReadOnlyDictionary<string, object?> Columns);

/// <summary>One entry of a row's <c>messages</c> column.</summary>
/// <param name="Agent">The role name of the agent that produced the turn.</param>
/// <param name="Role">The OpenAI chat role of the turn.</param>
/// <param name="Content">The text; null for a pure tool-call turn.</param>
/// <param name="ToolCalls">The OpenAI <c>tool_calls</c> array as JSON, or null.</param>
/// <param name="PromptTokens">Prompt tokens of the turn's LLM call.</param>
/// <param name="CompletionTokens">Completion tokens of the turn's LLM call.</param>
public sealed record PartMessage(
    string Agent,
    string Role,
    string? Content,
    string? ToolCalls,
    int PromptTokens,
    int CompletionTokens)
{
    /// <summary>The model's reasoning text; null when the server sent none or the part predates the field.</summary>
    public string? Reasoning { get; init; }

    /// <summary>Why the LLM stopped (<c>stop</c>, <c>length</c>, <c>tool_calls</c>...); null for code turns and when the server said nothing.</summary>
    public string? FinishReason { get; init; }

    /// <summary>The model that answered; null for code turns and when the server did not say.</summary>
    public string? Model { get; init; }
}
