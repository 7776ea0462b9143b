namespace Matrix.Engine.Llm.Http;

/// <summary>How one HTTP attempt ended, as the retry and health logic see it.</summary>
internal enum AttemptKind
{
    Success,

    /// <summary>
    /// The endpoint misbehaved: connection error, timeout, 502/503/504, or a 200 that is not a complete chat completion.
    /// Retried, and counts toward ejection.
    /// </summary>
    EndpointFailure,

    /// <summary>
    /// Another 5xx (500, 501...): retried on the next endpoint, but the server answered, so it stays in its pool. A 500
    /// is often the request's own fault; were it to count, a request that always fails would eject a healthy server
    /// and then, retried, be the probe that keeps it out.
    /// </summary>
    ServerError,

    /// <summary>429 or 408: the endpoint is alive but busy. Retried after its Retry-After, does not eject it.</summary>
    Busy,

    /// <summary>The prompt does not fit the model's context (each server words it differently). Not retried: the task fails with reason <c>context_length</c>.</summary>
    ContextLength,

    /// <summary>Any other 4xx: the request itself is wrong. Not retried.</summary>
    Rejected,

    /// <summary>No endpoint of the pool became available within <c>llm.unavailable_timeout_seconds</c>.</summary>
    PoolUnavailable,
}

/// <summary>One attempt's result: a response, or why not.</summary>
internal readonly record struct AttemptResult(AttemptKind Kind, LlmResponse? Response, string Error, string Detail, TimeSpan? RetryAfter)
{
    public bool Retryable => Kind is AttemptKind.EndpointFailure or AttemptKind.ServerError or AttemptKind.Busy;

    public static AttemptResult Ok(LlmResponse response) => new(AttemptKind.Success, response, string.Empty, string.Empty, null);
}
