using System.Globalization;
using Matrix.Scenarios.Tau2.Data;

namespace Matrix.Scenarios.Tau2.Reward;

/// <summary>
/// The oracle's conversation computed directly, without the engine: what the tau2 scenario's oracle agents produce
/// step by step, in one call. Used to check a domain's tools and the reward together (and by tests).
/// </summary>
internal static class OfflineOracle
{
    public static (IReadOnlyList<TrajectoryMessage> Trajectory, RewardResult Reward) Run(Tau2Domain domain, Tau2TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(task);
        var env = domain.NewEnvironment();
        env.Initialize(task);
        var messages = new List<TrajectoryMessage>();
        foreach (var h in task.MessageHistory)
        {
            messages.Add(new TrajectoryMessage(h.Role, h.Content, h.ToolCalls));
        }

        if (task.MessageHistory.Count == 0)
        {
            messages.Add(new TrajectoryMessage("assistant", Tau2Prompts.Greeting, TrajectoryMessage.NoCalls));
        }

        messages.Add(new TrajectoryMessage("user", OracleScript.Opening(task), TrajectoryMessage.NoCalls));
        var n = 0;
        foreach (var action in OracleScript.AssistantActions(task))
        {
            var call = new TrajectoryToolCall("assistant", string.Create(CultureInfo.InvariantCulture, $"call_{n++}"), action.Name, action.Arguments.ToJsonString());
            messages.Add(new TrajectoryMessage("assistant", null, [call]));
            var outcome = env.Call(call.Requestor, call.Name, call.ArgumentsJson);
            messages.Add(new TrajectoryMessage("tool", outcome.Content, TrajectoryMessage.NoCalls));
        }

        messages.Add(new TrajectoryMessage("assistant", OracleScript.Closing(task), TrajectoryMessage.NoCalls));
        messages.Add(new TrajectoryMessage("user", OracleScript.Stop, TrajectoryMessage.NoCalls));
        return (messages, RewardCalculator.Calculate(domain, task, messages));
    }
}
