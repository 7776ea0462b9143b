using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Python;

namespace Matrix.Scenarios.Tau2.Domains;

/// <summary>
/// The tools tau2-bench's retail and airline toolkits declare word for word alike (<c>calculate</c> and
/// <c>transfer_to_human_agents</c>): one definition each, which every such toolkit adds in its own declaration order.
/// Tool definitions are immutable, so the same instance serves every kit.
/// </summary>
internal static class GenericTools
{
    public static readonly DomainTool Calculate = new(
        "calculate",
        "Calculate the result of a mathematical expression.",
        ToolKind.Generic,
        [ToolParameter.String("expression", "The mathematical expression to calculate, such as '2 + 2'. The expression can contain numbers, operators (+, -, *, /), parentheses, and spaces.")],
        (_, a) => PyCalculator.Calculate(a.String("expression")));

    /// <summary>
    /// tau2 calls the tool method directly (no pydantic check of the arguments) and never reads the summary, so any
    /// summary, of any type, transfers.
    /// </summary>
    public static readonly DomainTool TransferToHumanAgents = new(
        "transfer_to_human_agents",
        "Transfer the user to a human agent, with a summary of the user's issue.\n\n"
        + "Only transfer if\n -  the user explicitly asks for a human agent\n -  given the policy and the available tools, you cannot solve the user's issue.",
        ToolKind.Generic,
        [ToolParameter.String("summary", "A summary of the user's issue.")],
        (_, _) => "Transfer successful");
}
