using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Matrix.Hosting.Logging;

/// <summary>
/// Writes log lines to a <see cref="TextWriter"/> (the host's stderr, or a test's <see cref="HostConsole.Error"/>),
/// one line per entry, whole lines under a lock so ranks' threads never interleave. Every line carries the rank:
/// <c>[rank 1] info: ...</c> in text, a <c>rank</c> property in JSON.
/// </summary>
internal sealed class WriterLoggerProvider(TextWriter writer, LogFormat format, LogRank rank) : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, WriterLogger> _loggers = new(StringComparer.Ordinal);
    private readonly Stream? _stderr = ReferenceEquals(writer, Console.Error) ? Console.OpenStandardError() : null;

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, c => new WriterLogger(c, this));

    public void Dispose()
    {
        lock (writer)
        {
            writer.Flush();
        }
    }

    internal void Write<TState>(string category, LogLevel level, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var message = formatter(state, exception);
        var line = format == LogFormat.Json
            ? LogLineFormatter.Json(DateTimeOffset.UtcNow, level, category, eventId, rank.Value, message, state as IReadOnlyList<KeyValuePair<string, object?>>, exception)
            : LogLineFormatter.Text(level, rank.Value, message, exception);
        lock (writer)
        {
            if (_stderr is not null)
            {
                // One write(2) per line: Console.Error writes through a 256-character buffer, so a longer line reached the
                // pipe in pieces and lines of ranks that share a launcher's stderr (mpiexec, srun) interleaved mid-line.
                writer.Flush();
                _stderr.Write(Encoding.UTF8.GetBytes(line + "\n"));
                _stderr.Flush();
            }
            else
            {
                writer.Write(line + Environment.NewLine);
                writer.Flush();
            }
        }
    }

    private sealed class WriterLogger(string category, WriterLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(category, logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
