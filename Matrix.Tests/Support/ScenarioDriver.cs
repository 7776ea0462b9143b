using Matrix.Engine.Orchestration;
using Matrix.Engine.Scenarios;

namespace Matrix.Tests.Support;

/// <summary>Runs one task of a scenario by hand, as the engine does: Begin, then each routed agent and Next.</summary>
internal static class ScenarioDriver
{
    /// <returns>The final route and the roles in the order the task visited them.</returns>
    public static async Task<(Route Route, List<string> Order)> RunAsync(Scenario scenario, ScenarioContext context, Orchestrator task)
    {
        var agents = scenario.Roles.ToDictionary(r => r.Name, r => scenario.CreateAgent(r.Name, context), StringComparer.Ordinal);
        var order = new List<string>();
        var route = scenario.Begin(task, context);
        while (!route.IsDone)
        {
            Assert.IsLessThan(1000, order.Count, "routing loop");
            order.Add(route.NextRole!);
            await agents[route.NextRole!].RunAsync(task, CancellationToken.None);
            route = scenario.Next(task, context);
        }

        return (route, order);
    }
}
