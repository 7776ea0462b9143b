using Matrix.Engine.Agents;
using Matrix.Engine.Orchestration;
using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Agents;

/// <summary>
/// The tool executor: runs the last turn's tool calls with the domain's C# tools against the task's own database
/// (rebuilt from the state, written back after), and records one <c>tool</c> turn per call. A tool error is the
/// call's result (<c>Error: ...</c>), counted for the error limit; it never fails the task. CPU work: its
/// parallelism is <c>agents.tool_executor.parallelism</c> per rank.
/// </summary>
internal sealed class Tau2ToolAgent(Tau2Domain domain) : CodeAgent
{
    protected override void Run(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var state = task.StateAs<Tau2State>();
        var (turn, calls) = Tau2Conversation.PendingCalls(task);
        var env = new Tau2Environment(
            domain,
            new TaskDatabase(domain.AgentDb, state.AgentDb),
            domain.UserDb is null ? null : new TaskDatabase(domain.UserDb, state.UserDb));
        var requestor = Tau2Conversation.Requestor(turn.Agent);
        foreach (var call in calls)
        {
            var outcome = env.Call(requestor, call.Name, call.ArgumentsJson);
            state.ToolCalls++;
            if (outcome.IsError)
            {
                state.ToolErrors++;
            }

            task.Append(new Turn(Tau2Conversation.Tools, ChatRoles.Tool, outcome.Content) { ToolCallId = call.Id });
        }

        state.AgentDb = env.Agent.Export();
        state.UserDb = env.User?.Export();
    }
}
