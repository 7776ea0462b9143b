namespace Matrix.Engine.Llm.Http;

/// <summary>
/// An LLM endpoint does not answer at start-up (<see cref="OpenAiHttpClient.ProbeAsync"/>): a user mistake
/// (wrong URL, server not started), reported as one line that names the URL.
/// </summary>
public sealed class LlmUnavailableException : Exception
{
    public LlmUnavailableException()
    {
    }

    public LlmUnavailableException(string message)
        : base(message)
    {
    }

    public LlmUnavailableException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}
