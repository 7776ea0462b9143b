namespace Matrix.Scenarios.Tau2.Env;

/// <summary>
/// A tool's refusal (tau2-bench raises <c>ValueError</c>): the caller gets <c>Error: {Message}</c> as the tool
/// message, exactly as tau2-bench writes it, and the conversation goes on.
/// </summary>
internal sealed class ToolException : Exception
{
    public ToolException(string message)
        : base(message)
    {
    }

    public ToolException()
    {
    }

    public ToolException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
