using Matrix.Engine.Agents;
using Matrix.Engine.Orchestration;
using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Reward;

namespace Matrix.Scenarios.Tau2.Agents;

/// <summary>
/// The reward calculator: tau2-bench's DB, ACTION, ENV_ASSERTION and COMMUNICATE components over the finished
/// trajectory (replaying it on a fresh database and the gold actions on another). NL_ASSERTION is the judge's.
/// </summary>
internal sealed class Tau2RewardAgent(Tau2Domain domain) : CodeAgent
{
    protected override void Run(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var state = task.StateAs<Tau2State>();
        var spec = domain.Task(task.InputAs<Tau2TaskRef>().TaskId);
        state.Reward = RewardCalculator.Calculate(domain, spec, Tau2Conversation.Trajectory(task));
    }
}
