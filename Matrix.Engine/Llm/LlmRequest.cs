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

    /// <summary>The role name of the agent that makes the call; the rank's LLM fleet routes it to that role's pool.</summary>
    public string? Agent { get; init; }

    /// <summary>Structured output: the JSON schema the answer must follow (sent only to pools with <c>structured_output</c>).</summary>
    public ResponseFormat? ResponseFormat { get; init; }

    /// <summary>A JSON object whose members are merged into the request body (vLLM's <c>top_k</c>, <c>chat_template_kwargs</c>, ...).</summary>
    public string? ExtraBody { get; init; }
}

/// <summary>OpenAI's <c>response_format</c> of type <c>json_schema</c>: a name and the schema's JSON text.</summary>
public sealed record ResponseFormat(string Name, string JsonSchema);

/// <summary>What the model answered, with the token usage the server reported.</summary>
public sealed record LlmResponse(string? Content, IReadOnlyList<ToolCall> ToolCalls, string FinishReason, int PromptTokens, int CompletionTokens)
{
    public static readonly IReadOnlyList<ToolCall> NoToolCalls = [];
}
