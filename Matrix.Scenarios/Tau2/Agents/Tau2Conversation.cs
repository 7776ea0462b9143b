using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;
using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Reward;

namespace Matrix.Scenarios.Tau2.Agents;

/// <summary>
/// The tau2 conversation as each side sees it. The history holds assistant, user-simulator and tool-executor turns;
/// a tool turn belongs to whoever made the last tool calls. The assistant sees the customer as <c>user</c> and its
/// own tool results; the user simulator sees the roles flipped and only its own tools (as tau2-bench's
/// <c>flip_roles</c> does); the reward sees everything.
/// </summary>
internal static class Tau2Conversation
{
    public const string Assistant = "assistant";
    public const string User = "user_simulator";
    public const string Tools = "tool_executor";
    public const string Reward = "reward";
    public const string Judge = "judge";

    public static List<ChatMessage> ForAssistant(Orchestrator task, string system) => View(task, system, Assistant);

    public static List<ChatMessage> ForUser(Orchestrator task, string system) => View(task, system, User);

    /// <summary>Requestor of a tool call made by <paramref name="agent"/>, in tau2's words.</summary>
    public static string Requestor(string agent) => agent == User ? "user" : "assistant";

    public static List<TrajectoryMessage> Trajectory(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var messages = new List<TrajectoryMessage>(task.History.Count);
        foreach (var turn in task.History)
        {
            var role = turn.Agent switch
            {
                Assistant => "assistant",
                User => "user",
                _ => "tool",
            };
            var calls = turn.ToolCallsJson is null
                ? TrajectoryMessage.NoCalls
                : ToolCallsJson.Read(turn.ToolCallsJson).Select(c => new TrajectoryToolCall(Requestor(turn.Agent), c.Id, c.Name, c.ArgumentsJson)).ToList();
            messages.Add(new TrajectoryMessage(role, turn.Content, calls));
        }

        return messages;
    }

    /// <summary>The last turn, which must carry the tool calls the executor is to run.</summary>
    public static (Turn Turn, IReadOnlyList<ToolCall> Calls) PendingCalls(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var last = task.History.Count > 0 ? task.History[^1] : throw new InvalidOperationException("the tool executor ran on an empty conversation");
        var calls = ToolCallsJson.Read(last.ToolCallsJson);
        return calls.Count > 0 ? (last, calls) : throw new InvalidOperationException($"the tool executor ran after a {last.Agent} turn without tool calls");
    }

    /// <summary>The opening turns of a task's given message history, as this scenario records turns.</summary>
    public static IEnumerable<Turn> HistoryTurns(Tau2TaskSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        foreach (var m in spec.MessageHistory)
        {
            var calls = m.ToolCalls.Count == 0 ? null : ToolCallsJson.Write(m.ToolCalls.Select(c => new ToolCall(c.Id, c.Name, c.ArgumentsJson)).ToList());
            yield return m.Role switch
            {
                "assistant" => new Turn(Assistant, ChatRoles.Assistant, m.Content, calls),
                "user" => new Turn(User, ChatRoles.User, m.Content, calls),
                "tool" => new Turn(Tools, ChatRoles.Tool, m.Content) { ToolCallId = m.ToolCallId },
                _ => throw new InvalidOperationException($"task {spec.Id}: message_history has a '{m.Role}' message"),
            };
        }
    }

    private static List<ChatMessage> View(Orchestrator task, string system, string self)
    {
        ArgumentNullException.ThrowIfNull(task);
        var history = task.History;
        var messages = new List<ChatMessage>(history.Count + 1) { ChatMessage.System(system) };
        string? toolOwner = null;
        foreach (var turn in history)
        {
            if (turn.Agent == Tools)
            {
                if (toolOwner == self)
                {
                    messages.Add(new ChatMessage(ChatRoles.Tool, turn.Content) { ToolCallId = turn.ToolCallId });
                }

                continue;
            }

            var calls = turn.ToolCallsJson is null ? null : ToolCallsJson.Read(turn.ToolCallsJson);
            if (calls is not null)
            {
                toolOwner = turn.Agent;
            }

            if (turn.Agent == self)
            {
                messages.Add(new ChatMessage(ChatRoles.Assistant, turn.Content) { ToolCalls = calls });
            }
            else if (turn.Content is { Length: > 0 } text)
            {
                // The other side's tool calls are not this side's business; its words are.
                messages.Add(new ChatMessage(ChatRoles.User, text));
            }
        }

        return messages;
    }
}
