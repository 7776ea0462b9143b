using Matrix.Engine.Orchestration;
using Matrix.Engine.Scenarios;

namespace Matrix.Scenarios.Coral;

/// <summary>Run-level means of agreement, agreement correctness and turns, over the tasks that started a discussion
/// (a malformed row has no state and adds nothing; a task that failed mid-discussion counts as it stood).</summary>
internal sealed class CoralMetrics : ScenarioMetrics
{
    public override void Add(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.State is CoralState state)
        {
            Observe("agreement", state.Agreement ? 1 : 0);
            Observe("agreement_correctness", state.AgreementCorrectness ? 1 : 0);
            Observe("turns", state.Turns);
        }
    }
}
