namespace Matrix.Engine.Llm.Sim;

/// <summary>
/// One kind of prompt the simulated LLM recognizes (a coral discussion turn, an answer extraction, an nr
/// filter, a tau2 assistant with tools...). <see cref="SimulatedLlm"/> tries its responders in order and
/// uses the first that matches; the answer must be a pure function of the request and the random stream.
/// </summary>
internal interface ISimResponder
{
    bool Matches(LlmRequest r);

    SimAnswer Answer(LlmRequest r, ref SimRandom rng);
}

/// <summary>What a responder says; <see cref="SimulatedLlm"/> adds the token counts.</summary>
internal readonly record struct SimAnswer(string? Content, IReadOnlyList<ToolCall> ToolCalls, string FinishReason)
{
    public const string Stop = "stop";
    public const string Length = "length";
    public const string ToolCallsReason = "tool_calls";

    public static SimAnswer Text(string content, string finishReason = Stop) => new(content, LlmResponse.NoToolCalls, finishReason);
}
