using Microsoft.Extensions.Logging;

namespace Matrix.Engine.Llm.Http;

/// <summary>
/// The LLM pools' log messages (event ids 1100-1199), each said once per event, never per call. Tests and
/// cluster tooling match their wording ("joined (from", "ejected after repeated failures", ...): keep it.
/// </summary>
internal static partial class LlmLog
{
    /// <summary>The category of every pool's logger.</summary>
    public const string Category = "Matrix.Llm";

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "llm pool '{Pool}': {Url} joined (from {Path})")]
    public static partial void EndpointJoined(this ILogger logger, string pool, string url, string path);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "llm pool '{Pool}': {Url} left (removed from {Path}); its calls in flight finish")]
    public static partial void EndpointLeft(this ILogger logger, string pool, string url, string path);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "llm pool '{Pool}': {Url} ejected after repeated failures; probed again in {CooldownSeconds} s")]
    public static partial void EndpointEjected(this ILogger logger, string pool, string url, string cooldownSeconds);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information, Message = "llm pool '{Pool}': {Url} answers again; back in the pool")]
    public static partial void EndpointBack(this ILogger logger, string pool, string url);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "llm pool '{Pool}': no endpoints{Where}; calls wait up to {WaitSeconds} s for one")]
    public static partial void NoEndpoints(this ILogger logger, string pool, string where, string waitSeconds);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "llm pool '{Pool}': every endpoint is ejected ({Urls}); calls wait up to {WaitSeconds} s for one to come back")]
    public static partial void AllEjected(this ILogger logger, string pool, string urls, string waitSeconds);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning, Message = "llm pool '{Pool}': cannot read {Path} ({Reason}); keeping the pool's current endpoints")]
    public static partial void UrlsFileUnreadable(this ILogger logger, string pool, string path, string reason);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Warning, Message = "llm pool '{Pool}': {Path}:{Line}: '{Text}' is not an http(s) base URL; skipped")]
    public static partial void UrlsFileBadLine(this ILogger logger, string pool, string path, int line, string text);
}
