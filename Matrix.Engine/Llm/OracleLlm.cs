namespace Matrix.Engine.Llm;

/// <summary>
/// <c>--llm oracle</c>: no model at all. A scenario that has an oracle (<see cref="Scenarios.Scenario.HasOracle"/>)
/// sees this client in its context and creates scripted agents that play the reference solution instead of LLM
/// agents, which proves its tools and rewards end to end. Any LLM call through it is a scenario bug.
/// </summary>
public sealed class OracleLlm : ILlmClient
{
    public const string Name = "oracle";

    public string Describe => Name;

    public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken = default) =>
        throw new LlmException("--llm oracle answers no LLM call: this role has no oracle");
}
