namespace Matrix.Engine.Llm;

/// <summary>One message of an OpenAI chat request.</summary>
public sealed record ChatMessage(string Role, string? Content)
{
    /// <summary>Tool calls made by an assistant message.</summary>
    public IReadOnlyList<ToolCall>? ToolCalls { get; init; }

    /// <summary>For a <c>tool</c> message: the id of the call it answers.</summary>
    public string? ToolCallId { get; init; }

    public static ChatMessage System(string content) => new("system", content);

    public static ChatMessage User(string content) => new("user", content);

    public static ChatMessage Assistant(string content) => new("assistant", content);
}

/// <summary>A tool call in the OpenAI format; <see cref="ArgumentsJson"/> is the JSON string the model produced.</summary>
public sealed record ToolCall(string Id, string Name, string ArgumentsJson);

/// <summary>A tool the model may call: name, description and the JSON schema of its parameters.</summary>
public sealed record ToolDefinition(string Name, string Description, string ParametersJsonSchema);
