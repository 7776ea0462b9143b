using Matrix.Hosting.Cli;
using Microsoft.Extensions.Logging;

namespace Matrix.Hosting.Logging;

/// <summary>The <c>--log-level</c> and <c>--log-format</c> flags of <c>matrix run</c> and <c>matrix sim-server</c>, checked.</summary>
internal static class LogOptions
{
    public const string LevelHelp = "Lowest level logged on stderr: trace, debug, information (default), warning or error.";

    public const string FormatHelp = "Log lines on stderr: text (default) or json (one JSON object per line, for log collectors).";

    public static LogLevel ParseLevel(string? value) => value?.ToUpperInvariant() switch
    {
        null or "INFORMATION" or "INFO" => LogLevel.Information,
        "TRACE" => LogLevel.Trace,
        "DEBUG" => LogLevel.Debug,
        "WARNING" or "WARN" => LogLevel.Warning,
        "ERROR" => LogLevel.Error,
        _ => throw new UsageException($"--log-level '{value}' is not one of trace, debug, information, warning, error"),
    };

    public static LogFormat ParseFormat(string? value) => value?.ToUpperInvariant() switch
    {
        null or "TEXT" => LogFormat.Text,
        "JSON" => LogFormat.Json,
        _ => throw new UsageException($"--log-format '{value}' is not one of text, json"),
    };

    /// <summary>The process's loggers, writing to <paramref name="console"/>'s error stream.</summary>
    public static ILoggerFactory CreateFactory(HostConsole console, string? level, string? format, LogRank rank)
    {
        var min = ParseLevel(level);
        var provider = new WriterLoggerProvider(console.Error, ParseFormat(format), rank);
        return LoggerFactory.Create(b => b.SetMinimumLevel(min).AddProvider(provider));
    }
}
