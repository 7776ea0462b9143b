namespace Matrix.Engine.Orchestration;

/// <summary>OpenAI chat roles, as the agent saw a turn.</summary>
public static class ChatRoles
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";
    public const string Tool = "tool";
}
