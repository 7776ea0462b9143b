namespace Matrix.Engine.Llm;

/// <summary>
/// OpenAI structured output: the answer must be JSON that follows <see cref="JsonSchema"/>. Sent as
/// <c>"response_format": {"type": "json_schema", "json_schema": {"name": ..., "schema": ..., "strict": true}}</c>.
/// </summary>
/// <param name="Name">The schema's name (letters, digits, <c>_</c> and <c>-</c>, as OpenAI requires).</param>
/// <param name="JsonSchema">The JSON schema text, sent as written. Keep to type, properties, required, items, enum
/// and minimum/maximum: llama.cpp's server turns the schema into a grammar and rejects rarer keywords.</param>
public sealed record ResponseFormat(string Name, string JsonSchema);
