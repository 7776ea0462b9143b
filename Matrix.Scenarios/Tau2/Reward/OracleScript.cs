using Matrix.Scenarios.Tau2.Data;

namespace Matrix.Scenarios.Tau2.Reward;

/// <summary>
/// The oracle (<c>--llm oracle</c>): an assistant that replays a task's gold actions, one tool call per step, then
/// tells the user the task's <c>communicate_info</c>; and a user that states the reason for the call and stops once
/// the oracle has answered. If the tools and the reward are right, every task whose data agrees ends at 1.0.
/// </summary>
internal static class OracleScript
{
    public const string Stop = "###STOP###";

    /// <summary>Gold actions the assistant makes (the user's own, if any, are not the assistant's to replay).</summary>
    public static IReadOnlyList<GoldAction> AssistantActions(Tau2TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Actions.Where(a => a.Requestor == "assistant").ToList();
    }

    /// <summary>The oracle's closing message: every piece of information the task wants communicated, one per line.</summary>
    public static string Closing(Tau2TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.CommunicateInfo.Count == 0
            ? "Your request has been handled. Is there anything else I can help you with?"
            : "Here is what you need to know:\n" + string.Join('\n', task.CommunicateInfo);
    }

    /// <summary>The oracle user's first message.</summary>
    public static string Opening(Tau2TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Opening;
    }
}
