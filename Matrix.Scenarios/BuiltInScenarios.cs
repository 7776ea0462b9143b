using Matrix.Engine.Scenarios;

namespace Matrix.Scenarios;

/// <summary>The scenarios the <c>matrix</c> executable ships with.</summary>
public static class BuiltInScenarios
{
    public static IReadOnlyList<Scenario> All => [];
}
