namespace Matrix.Engine.Llm.Pools;

/// <summary>One named set of endpoints serving one model, and whether its servers take <c>response_format</c>.</summary>
public sealed record LlmPool(string Name, ILlmClient Client, string Model, bool StructuredOutput);
