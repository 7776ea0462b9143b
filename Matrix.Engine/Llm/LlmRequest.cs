namespace Matrix.Engine.Llm;

/// <summary>
/// A chat completion request. <see cref="Seed"/> makes sampling reproducible (vLLM and SGLang honour a
/// per-request seed; the simulated LLM answers as a pure function of seed and messages).
/// </summary>
public sealed record LlmRequest(string TaskId, long Seed, IReadOnlyList<ChatMessage> Messages)
{
    /// <summary>The model name sent in the request; null takes the client's default (<c>--model</c>).</summary>
    public string? Model { get; init; }

    /// <summary>The role name of the agent that makes the call (e.g. <c>judge</c>), so a role can be routed to its own LLM pool.</summary>
    public string? Agent { get; init; }

    public double Temperature { get; init; } = 0.7;

    public double? TopP { get; init; }

    public int MaxTokens { get; init; } = 1024;

    public IReadOnlyList<string>? Stop { get; init; }

    public IReadOnlyList<ToolDefinition>? Tools { get; init; }

    /// <summary>
    /// The JSON schema the answer must follow (OpenAI structured output), or null for free text. The wire
    /// writes it whenever it is set; whether a pool's server gets it at all is the pool's decision.
    /// </summary>
    public ResponseFormat? ResponseFormat { get; init; }

    /// <summary>Server-specific members merged into the request body (vLLM's <c>top_k</c>, <c>chat_template_kwargs</c>...).</summary>
    public ExtraBody? ExtraBody { get; init; }
}

/// <summary>
/// What the model answered, with the token usage the server reported. <see cref="FinishReason"/> is null when
/// the server sent none: the output records what the server said, never a made-up word.
/// </summary>
public sealed record LlmResponse(string? Content, IReadOnlyList<ToolCall> ToolCalls, string? FinishReason, int PromptTokens, int CompletionTokens)
{
    public static readonly IReadOnlyList<ToolCall> NoToolCalls = [];

    /// <summary>The model's reasoning text (<c>reasoning_content</c> or <c>reasoning</c>), or null when the server sent none.</summary>
    public string? Reasoning { get; init; }

    /// <summary>The model that answered (the response's top-level <c>model</c>), or null when the server did not say.</summary>
    public string? Model { get; init; }
}
