using Matrix.Engine.Llm.Sim;
using Matrix.Engine.Scenarios;
using Matrix.Scenarios.Coral;
using Matrix.Scenarios.Generate;
using Matrix.Scenarios.Nr;
using Matrix.Scenarios.Tau2;

namespace Matrix.Scenarios;

/// <summary>The scenarios the <c>matrix</c> executable ships with.</summary>
public static class BuiltInScenarios
{
    public static IReadOnlyList<Scenario> All => [new CoralScenario(), new NrScenario(), new Tau2Scenario(), new GenerateScenario()];

    /// <summary>Every built-in scenario's simulated responders, in scenario order (what <c>matrix sim-server</c> answers with).</summary>
    public static IReadOnlyList<ISimResponder> SimResponders => [.. All.SelectMany(s => s.SimResponders)];
}
