namespace Matrix.Engine.Llm;

/// <summary>
/// A chat completion request. <see cref="Seed"/> makes sampling reproducible (vLLM and SGLang honour a
/// per-request seed; the simulated LLM answers as a pure function of seed and messages).
/// </summary>
public sealed record LlmRequest(string TaskId, long Seed, IReadOnlyList<ChatMessage> Messages)
{
    /// <summary>The model name sent in the request; null takes the client's default (<c>--model</c>).</summary>
    public string? Model { get; init; }

    public double Temperature { get; init; } = 0.7;

    public double? TopP { get; init; }

    public int MaxTokens { get; init; } = 1024;

    public IReadOnlyList<string>? Stop { get; init; }

    public IReadOnlyList<ToolDefinition>? Tools { get; init; }
}

/// <summary>What the model answered, with the token usage the server reported.</summary>
public sealed record LlmResponse(string? Content, IReadOnlyList<ToolCall> ToolCalls, string FinishReason, int PromptTokens, int CompletionTokens)
{
    public static readonly IReadOnlyList<ToolCall> NoToolCalls = [];
}
