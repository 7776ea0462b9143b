using Matrix.Scenarios.Tau2.Data;

namespace Matrix.Scenarios.Tau2.Reward;

/// <summary>A message of a finished conversation as the reward sees it: who said it, the text, the tool calls made.</summary>
internal sealed record TrajectoryMessage(string Role, string? Content, IReadOnlyList<TrajectoryToolCall> ToolCalls)
{
    public static readonly IReadOnlyList<TrajectoryToolCall> NoCalls = [];
}
