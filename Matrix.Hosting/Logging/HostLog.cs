using Microsoft.Extensions.Logging;

namespace Matrix.Hosting.Logging;

/// <summary>The host's log messages (event ids 2000-2099). Tests match "listens on": keep that wording.</summary>
internal static partial class HostLog
{
    /// <summary>The category of the host's own messages.</summary>
    public const string Category = "Matrix.Hosting";

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "rank {Rank}/{Size} on {Host} listens on {Endpoint} ({Security})")]
    public static partial void Listening(this ILogger logger, int rank, int size, string host, string endpoint, string security);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "rank {Rank}/{Size}: {Scenario} starts (llm {Llm}) -> {Out}")]
    public static partial void RunStarting(this ILogger logger, int rank, int size, string scenario, string llm, string @out);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "resuming '{Out}': {Done} tasks already have records; {Retried} failed records retried, {Repaired} parts repaired, {SetAside} unreadable parts set aside")]
    public static partial void Resuming(this ILogger logger, string @out, int done, long retried, int repaired, int setAside);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "sim-server listening on {Url}")]
    public static partial void SimServerListening(this ILogger logger, string url);
}
