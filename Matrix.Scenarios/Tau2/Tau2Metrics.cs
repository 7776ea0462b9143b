using Matrix.Engine.Orchestration;
using Matrix.Engine.Scenarios;

namespace Matrix.Scenarios.Tau2;

/// <summary>Run-level means: reward (over graded tasks), tool calls and tool errors per conversation.</summary>
internal sealed class Tau2Metrics : ScenarioMetrics
{
    public override void Add(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.State is not Tau2State state)
        {
            return;
        }

        if (state.Reward is { } reward)
        {
            Observe("reward", reward.Total);
        }

        Observe("tool_calls", state.ToolCalls);
        Observe("tool_errors", state.ToolErrors);
        Observe("steps", state.Steps);
    }
}
