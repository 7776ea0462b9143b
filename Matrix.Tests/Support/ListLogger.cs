using Microsoft.Extensions.Logging;

namespace Matrix.Tests.Support;

/// <summary>A logger that keeps every formatted message (thread-safe): tests assert what a component logged.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly List<string> _lines;

    public ListLogger(List<string>? lines = null) => _lines = lines ?? [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add($"{logLevel}: {formatter(state, exception)}");
        }
    }
}
