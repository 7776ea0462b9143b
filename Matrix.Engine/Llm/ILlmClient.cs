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
    /// <summary>The <see cref="Reason"/> of a prompt longer than the model's context.</summary>
    public const string ContextLength = "context_length";

    public LlmException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>A failure with its own task reason (e.g. <see cref="ContextLength"/>) instead of <c>llm_error</c>.</summary>
    public LlmException(string message, string reason)
        : base(message)
    {
        Reason = reason;
    }

    public LlmException()
    {
    }

    public LlmException(string message)
        : base(message)
    {
    }

    /// <summary>The reason the failed task gets; null for the generic <c>llm_error</c>.</summary>
    public string? Reason { get; }
}
