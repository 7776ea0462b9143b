using MemoryPack;

namespace Matrix.Engine.Orchestration;

/// <summary>
/// One entry of a task's history: what an agent said or did in one step. This is what ends up in the
/// <c>messages</c> column, so a row converts to a chat-format training example without guessing.
/// </summary>
/// <param name="Agent">The role name of the agent that produced the turn (e.g. <c>teacher</c>).</param>
/// <param name="Role">The OpenAI chat role of the turn as the agent saw it (<see cref="ChatRoles"/>).</param>
/// <param name="Content">The text; null for a pure tool-call turn.</param>
/// <param name="ToolCallsJson">The OpenAI <c>tool_calls</c> array as JSON, or null.</param>
/// <param name="PromptTokens">Prompt tokens the LLM call of this turn consumed (0 for code agents).</param>
/// <param name="CompletionTokens">Completion tokens the LLM call of this turn produced.</param>
[MemoryPackable]
public sealed partial record Turn(
    string Agent,
    string Role,
    string? Content,
    string? ToolCallsJson = null,
    int PromptTokens = 0,
    int CompletionTokens = 0)
{
    /// <summary>For a <c>tool</c> turn: the id of the call it answers.</summary>
    public string? ToolCallId { get; init; }

    /// <summary>
    /// Where the content lives when it was offloaded to a rank's content store; <see cref="Content"/> is then
    /// null except while an agent that reads content (or the sink) works on the task.
    /// </summary>
    public Store.ContentRef? Ref { get; init; }

    /// <summary>The model's reasoning text for an LLM turn, when the server sent one (kept out of every prompt).</summary>
    public string? Reasoning { get; init; }

    /// <summary>
    /// Where the reasoning lives when it was offloaded (see <see cref="Ref"/>); <see cref="Reasoning"/> is then null
    /// except while the sink writes the task: no agent reads reasoning back.
    /// </summary>
    public Store.ContentRef? ReasoningRef { get; init; }

    /// <summary>Why the LLM stopped (<c>stop</c>, <c>length</c>, <c>tool_calls</c>...), as the server said; null when it did not.</summary>
    public string? FinishReason { get; init; }

    /// <summary>The model that answered, as the server named it; null for code turns and servers that do not say.</summary>
    public string? Model { get; init; }
}
