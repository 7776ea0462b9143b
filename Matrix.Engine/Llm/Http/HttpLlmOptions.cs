using Matrix.Engine.Settings;

namespace Matrix.Engine.Llm.Http;

/// <summary>
/// Options of <see cref="OpenAiHttpClient"/>: the OpenAI-style base URLs of the replicas of one model
/// (<c>http://node17:8000/v1</c>; <c>/chat/completions</c> is appended), the default model name, the
/// per-attempt timeout, the retry policy and the connection pool size.
/// </summary>
public sealed record HttpLlmOptions(IReadOnlyList<Uri> BaseUrls, string Model = "default")
{
    public const string TimeoutKey = "llm.timeout_seconds";
    public const string MaxRetriesKey = "llm.max_retries";
    public const string BackoffKey = "llm.backoff_ms";
    public const string MaxBackoffKey = "llm.max_backoff_ms";
    public const string MaxConnectionsKey = "llm.max_connections";

    /// <summary>Time one attempt may take, from sending to the end of the body (includes waiting for a connection).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Attempts after the first one for 429, 408, 5xx, timeouts and connection errors.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>Backoff before the first retry; doubled per retry, with jitter, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest backoff, also the cap on a server's <c>Retry-After</c>.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Concurrent HTTP connections per server (requests beyond wait for a free one).</summary>
    public int MaxConnectionsPerServer { get; init; } = 256;

    public static void Declare(SettingsSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var d = new HttpLlmOptions([]);
        schema.Double(TimeoutKey, d.RequestTimeout.TotalSeconds, "LLM over HTTP: seconds one attempt may take (including the wait for a connection) before it is retried.", 0.001, 86_400)
            .Int(MaxRetriesKey, d.MaxRetries, "LLM over HTTP: retries after the first attempt on 429, 5xx, timeouts and connection errors.", 0, 100)
            .Int(BackoffKey, (int)d.InitialBackoff.TotalMilliseconds, "LLM over HTTP: milliseconds before the first retry; doubled per retry, with jitter.", 0, 3_600_000)
            .Int(MaxBackoffKey, (int)d.MaxBackoff.TotalMilliseconds, "LLM over HTTP: longest wait between retries, in milliseconds (also caps Retry-After).", 0, 3_600_000)
            .Int(MaxConnectionsKey, d.MaxConnectionsPerServer, "LLM over HTTP: concurrent connections per server URL.", 1, 1_000_000);
    }

    public static HttpLlmOptions FromSettings(RunSettings s, IReadOnlyList<Uri> urls, string model)
    {
        ArgumentNullException.ThrowIfNull(s);
        ArgumentNullException.ThrowIfNull(urls);
        return new HttpLlmOptions(urls, model)
        {
            RequestTimeout = TimeSpan.FromSeconds(s.GetDouble(TimeoutKey)),
            MaxRetries = s.GetInt(MaxRetriesKey),
            InitialBackoff = TimeSpan.FromMilliseconds(s.GetInt(BackoffKey)),
            MaxBackoff = TimeSpan.FromMilliseconds(s.GetInt(MaxBackoffKey)),
            MaxConnectionsPerServer = s.GetInt(MaxConnectionsKey),
        };
    }
}
