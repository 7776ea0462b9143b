namespace Matrix.Engine.Llm.Sim;

/// <summary>What a <see cref="ISimResponder"/> says; <see cref="SimulatedLlm"/> adds the token counts and the model.</summary>
/// <param name="Content">The message text (null for a reply with tool calls only).</param>
/// <param name="ToolCalls">The tool calls, or <see cref="LlmResponse.NoToolCalls"/>.</param>
/// <param name="FinishReason"><see cref="Stop"/>, <see cref="Length"/> (cut at max tokens) or <see cref="ToolCallsReason"/>.</param>
public readonly record struct SimAnswer(string? Content, IReadOnlyList<ToolCall> ToolCalls, string FinishReason)
{
    /// <summary>The answer is complete.</summary>
    public const string Stop = "stop";

    /// <summary>The answer was cut at the request's max tokens.</summary>
    public const string Length = "length";

    /// <summary>The answer calls tools.</summary>
    public const string ToolCallsReason = "tool_calls";

    /// <summary>A text answer without tool calls.</summary>
    public static SimAnswer Text(string content, string finishReason = Stop) => new(content, LlmResponse.NoToolCalls, finishReason);
}
