using Matrix.Engine.Settings;

namespace Matrix.Engine.Llm.Http;

/// <summary>
/// Options of <see cref="OpenAiHttpClient"/>, the client of one LLM pool: the OpenAI-style base URLs of the replicas
/// of one model (<c>http://node17:8000/v1</c>; <c>/chat/completions</c> is appended) and/or a file of them that
/// changes during the run, the model name, the API key, the per-attempt timeout, the retry policy, endpoint
/// ejection and the connection pool size.
/// </summary>
public sealed record HttpLlmOptions(IReadOnlyList<Uri> BaseUrls, string Model = "default")
{
    public const string TimeoutKey = "llm.timeout_seconds";
    public const string MaxRetriesKey = "llm.max_retries";
    public const string BackoffKey = "llm.backoff_ms";
    public const string MaxBackoffKey = "llm.max_backoff_ms";
    public const string MaxConnectionsKey = "llm.max_connections";
    public const string UnavailableTimeoutKey = "llm.unavailable_timeout_seconds";
    public const string EjectAfterKey = "llm.eject_after_failures";
    public const string EjectSecondsKey = "llm.eject_seconds";
    public const string MaxEjectSecondsKey = "llm.max_eject_seconds";
    public const string UrlsFilePollKey = "llm.urls_file_poll_seconds";

    /// <summary>The pool's name, for messages.</summary>
    public string PoolName { get; init; } = "default";

    /// <summary>Sent as <c>Authorization: Bearer</c>; never written anywhere else.</summary>
    public string? ApiKey { get; init; }

    /// <summary>A file of base URLs, one per line, re-read every <see cref="UrlsFilePoll"/> (servers join and leave).</summary>
    public string? UrlsFile { get; init; }

    public TimeSpan UrlsFilePoll { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time one attempt may take, from sending to the end of the body (includes waiting for a connection).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>Attempts after the first one for 429, 408, 5xx, malformed answers, timeouts and connection errors.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>Backoff before the first retry; doubled per retry, with jitter, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest backoff, also the cap on a server's <c>Retry-After</c>.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Concurrent HTTP connections per server (requests beyond wait for a free one).</summary>
    public int MaxConnectionsPerServer { get; init; } = 256;

    /// <summary>Consecutive failures (connection errors, timeouts, 502/503/504, malformed answers) that eject an endpoint.</summary>
    public int EjectAfterFailures { get; init; } = 5;

    /// <summary>First ejection's cooldown; doubled after every failed probe, up to <see cref="MaxEjectCooldown"/>.</summary>
    public TimeSpan EjectCooldown { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxEjectCooldown { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a call waits for an endpoint when every endpoint of its pool is ejected or the pool is empty.</summary>
    public TimeSpan UnavailableTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public static void Declare(SettingsSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var d = new HttpLlmOptions([]);
        schema.Double(TimeoutKey, d.RequestTimeout.TotalSeconds, "LLM over HTTP: seconds one attempt may take (including the wait for a connection) before it is retried.", 0.001, 86_400)
            .Int(MaxRetriesKey, d.MaxRetries, "LLM over HTTP: retries after the first attempt on 429, 5xx, malformed answers, timeouts and connection errors.", 0, 100)
            .Int(BackoffKey, (int)d.InitialBackoff.TotalMilliseconds, "LLM over HTTP: milliseconds before the first retry; doubled per retry, with jitter.", 0, 3_600_000)
            .Int(MaxBackoffKey, (int)d.MaxBackoff.TotalMilliseconds, "LLM over HTTP: longest wait between retries, in milliseconds (also caps Retry-After).", 0, 3_600_000)
            .Int(MaxConnectionsKey, d.MaxConnectionsPerServer, "LLM over HTTP: concurrent connections per server URL (a pool's max_connections overrides it).", 1, 1_000_000)
            .Double(UnavailableTimeoutKey, d.UnavailableTimeout.TotalSeconds, "LLM over HTTP: when every endpoint of a pool is ejected (or its urls_file lists none), calls wait this many seconds for one before they fail.", 0, 7 * 86_400)
            .Int(EjectAfterKey, d.EjectAfterFailures, "LLM over HTTP: consecutive failures (connection errors, timeouts, 502/503/504, malformed answers) that eject an endpoint from its pool; any other answer, 500 included, resets the count.", 2, 1_000_000)
            .Double(EjectSecondsKey, d.EjectCooldown.TotalSeconds, "LLM over HTTP: an ejected endpoint's first cooldown; then one call probes it, and each failed probe doubles the cooldown.", 0.5, 86_400)
            .Double(MaxEjectSecondsKey, d.MaxEjectCooldown.TotalSeconds, "LLM over HTTP: longest cooldown of an ejected endpoint.", 0.5, 86_400)
            .Double(UrlsFilePollKey, d.UrlsFilePoll.TotalSeconds, "LLM over HTTP: seconds between re-reads of a pool's urls_file.", 0.1, 3_600);
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
            UnavailableTimeout = TimeSpan.FromSeconds(s.GetDouble(UnavailableTimeoutKey)),
            EjectAfterFailures = s.GetInt(EjectAfterKey),
            EjectCooldown = TimeSpan.FromSeconds(s.GetDouble(EjectSecondsKey)),
            MaxEjectCooldown = TimeSpan.FromSeconds(s.GetDouble(MaxEjectSecondsKey)),
            UrlsFilePoll = TimeSpan.FromSeconds(s.GetDouble(UrlsFilePollKey)),
        };
    }

    /// <summary>The base URL as the client uses it (absolute http(s), no trailing slash), or null when it is not one.</summary>
    public static string? NormalizeBaseUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) ? NormalizeBaseUrl(uri) : null;

    public static string? NormalizeBaseUrl(Uri? uri) =>
        uri is { IsAbsoluteUri: true } && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri.AbsoluteUri.TrimEnd('/') : null;
}
