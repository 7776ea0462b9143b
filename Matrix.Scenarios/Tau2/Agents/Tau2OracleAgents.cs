using System.Globalization;
using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;
using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Reward;

namespace Matrix.Scenarios.Tau2.Agents;

/// <summary>
/// The oracle assistant (<c>--llm oracle</c>): each step makes the task's next gold action as a tool call; after the
/// last, it tells the user the task's <c>communicate_info</c>. No model involved: it proves tools and reward together.
/// </summary>
internal sealed class Tau2OracleAssistantAgent(Tau2Domain domain) : CodeAgent
{
    protected override void Run(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var state = task.StateAs<Tau2State>();
        var spec = domain.Task(task.InputAs<Tau2TaskRef>().TaskId);
        var actions = OracleScript.AssistantActions(spec);
        if (state.OracleStep < actions.Count)
        {
            var action = actions[state.OracleStep];
            var call = new ToolCall(string.Create(CultureInfo.InvariantCulture, $"oracle_{state.OracleStep}"), action.Name, action.Arguments.ToJsonString());
            state.OracleStep++;
            task.Append(new Turn(Tau2Conversation.Assistant, ChatRoles.Assistant, null, ToolCallsJson.Write([call])));
            return;
        }

        state.OracleDone = true;
        task.Append(new Turn(Tau2Conversation.Assistant, ChatRoles.Assistant, OracleScript.Closing(spec)));
    }
}

/// <summary>The oracle's user: states the reason for the call, and stops once the oracle assistant has answered.</summary>
internal sealed class Tau2OracleUserAgent(Tau2Domain domain) : CodeAgent
{
    protected override void Run(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var state = task.StateAs<Tau2State>();
        var text = state.OracleDone ? OracleScript.Stop : OracleScript.Opening(domain.Task(task.InputAs<Tau2TaskRef>().TaskId));
        task.Append(new Turn(Tau2Conversation.User, ChatRoles.User, text));
    }
}
