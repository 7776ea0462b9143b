using Matrix.Engine.Scenarios;
using Matrix.Scenarios.Coral;
using Matrix.Scenarios.Nr;
using Matrix.Scenarios.Tau2;

namespace Matrix.Scenarios;

/// <summary>The scenarios the <c>matrix</c> executable ships with.</summary>
public static class BuiltInScenarios
{
    public static IReadOnlyList<Scenario> All => [new CoralScenario(), new NrScenario(), new Tau2Scenario()];
}
