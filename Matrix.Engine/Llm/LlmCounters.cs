namespace Matrix.Engine.Llm;

/// <summary>Counters of LLM traffic, shared by a rank's clients and read by the progress display and the manifest.</summary>
public sealed class LlmCounters
{
    private long _requests;
    private long _retries;
    private long _failures;
    private long _promptTokens;
    private long _completionTokens;
    private long _malformed;
    private long _contextLength;
    private long _ejections;

    /// <summary>Calls started (one per <see cref="ILlmClient.CompleteAsync"/>).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Attempts repeated after a transient error (429, 5xx, timeout, connection error).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Calls that failed for good.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public long PromptTokens => Interlocked.Read(ref _promptTokens);

    public long CompletionTokens => Interlocked.Read(ref _completionTokens);

    /// <summary>200 answers that were not a complete chat completion (cut off, not JSON, no choices); each was retried.</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>Calls refused because the prompt does not fit the model's context.</summary>
    public long ContextLengthRefusals => Interlocked.Read(ref _contextLength);

    /// <summary>Times an endpoint was ejected from its pool after repeated failures.</summary>
    public long Ejections => Interlocked.Read(ref _ejections);

    public void OnRequest() => Interlocked.Increment(ref _requests);

    public void OnRetry() => Interlocked.Increment(ref _retries);

    public void OnFailure() => Interlocked.Increment(ref _failures);

    public void OnMalformed() => Interlocked.Increment(ref _malformed);

    public void OnContextLength() => Interlocked.Increment(ref _contextLength);

    public void OnEjection() => Interlocked.Increment(ref _ejections);

    public void OnUsage(int promptTokens, int completionTokens)
    {
        Interlocked.Add(ref _promptTokens, promptTokens);
        Interlocked.Add(ref _completionTokens, completionTokens);
    }
}
