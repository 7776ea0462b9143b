namespace Matrix.Engine.Llm.Sim;

/// <summary>
/// One kind of prompt the simulated LLM recognizes. A scenario brings its own (<see cref="Scenarios.Scenario.SimResponders"/>);
/// <see cref="SimulatedLlm"/> tries them in order, then the engine's generic ones, and the first that matches answers.
/// </summary>
/// <remarks>
/// The answer must be a pure function of the request and <c>rng</c> (no clock, no shared state, no I/O), so a run is
/// reproducible and the sim-server (<c>matrix sim-server</c>) gives the very same answers as the in-process simulation.
/// </remarks>
public interface ISimResponder
{
    /// <summary>Whether this responder answers <paramref name="r"/> (recognize the prompt cheaply, e.g. by a phrase of its system message).</summary>
    bool Matches(LlmRequest r);

    /// <summary>The answer to <paramref name="r"/>; draw every random choice from <paramref name="rng"/>, which is seeded from the request.</summary>
    SimAnswer Answer(LlmRequest r, ref SimRandom rng);
}
