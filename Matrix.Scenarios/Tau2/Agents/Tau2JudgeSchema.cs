using Matrix.Engine.Llm;

namespace Matrix.Scenarios.Tau2.Agents;

/// <summary>
/// The JSON schema of the judge's reply (structured output, for the pools that support it): the format
/// <see cref="Tau2Prompts.JudgeInstruction"/> asks for and <see cref="Tau2JudgeAgent.Verdict"/> reads, one result per
/// expected outcome with the reasoning before the verdict. Only keywords llama.cpp's server turns into a grammar.
/// </summary>
internal static class Tau2JudgeSchema
{
    public static readonly ResponseFormat Format = new(
        "tau2_judge",
        """
        {"type":"object","properties":{"results":{"type":"array","items":{"type":"object","properties":{
        "expectedOutcome":{"type":"string"},
        "reasoning":{"type":"string"},
        "metExpectation":{"type":"boolean"}},
        "required":["expectedOutcome","reasoning","metExpectation"],"additionalProperties":false}}},
        "required":["results"],"additionalProperties":false}
        """);
}
