using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;
using Matrix.Scenarios;

namespace Matrix.Tests.Support;

/// <summary>
/// The simulated LLM as <c>matrix sim-server</c> answers: every built-in scenario's responders (in scenario order),
/// then the engine's generic ones. Tests compare in-process answers and runs with this.
/// </summary>
internal static class BuiltInSim
{
    public static IReadOnlyList<ISimResponder> Responders { get; } = BuiltInScenarios.SimResponders;

    public static LlmResponse Answer(LlmRequest request) => SimulatedLlm.Answer(request, Responders);
}
