namespace Matrix.Engine.Llm;

/// <summary>
/// The one contract every LLM agent uses. Implementations retry transient failures themselves and throw
/// <see cref="LlmException"/> when a call finally fails; the engine turns that into a failed task.
/// Implementations are thread-safe: every agent of a rank shares one client.
/// </summary>
public interface ILlmClient
{
    /// <summary>A short description for logs and the manifest (e.g. <c>sim</c> or the base URLs).</summary>
    string Describe { get; }

    Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken = default);
}

/// <summary>An LLM call that failed for good (after its retries, or a non-retryable error).</summary>
public sealed class LlmException : Exception
{
    public LlmException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    public LlmException()
    {
    }

    public LlmException(string message)
        : base(message)
    {
    }
}
