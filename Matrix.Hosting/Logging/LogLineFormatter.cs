using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Matrix.Hosting.Logging;

/// <summary>The two line formats of <see cref="WriterLoggerProvider"/>.</summary>
internal static class LogLineFormatter
{
    /// <summary><c>[rank 0] warn: message</c>, then the exception's type and message if any.</summary>
    public static string Text(LogLevel level, int rank, string message, Exception? exception)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"[rank {rank}] {ShortName(level)}: {message}");
        return exception is null ? line : $"{line} ({exception.GetType().Name}: {exception.Message})";
    }

    /// <summary>
    /// One JSON object: <c>timestamp</c>, <c>level</c>, <c>category</c>, <c>eventId</c>, <c>rank</c>, <c>message</c>,
    /// <c>exception</c> when there is one, and <c>state</c>: the message's named values (not the template).
    /// </summary>
    public static string Json(DateTimeOffset at, LogLevel level, string category, EventId eventId, int rank, string message, IReadOnlyList<KeyValuePair<string, object?>>? state, Exception? exception)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", at.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("level", level.ToString());
            json.WriteString("category", category);
            json.WriteNumber("eventId", eventId.Id);
            if (!string.IsNullOrEmpty(eventId.Name))
            {
                json.WriteString("event", eventId.Name);
            }

            json.WriteNumber("rank", rank);
            json.WriteString("message", message);
            if (exception is not null)
            {
                json.WriteString("exception", exception.ToString());
            }

            if (state is { Count: > 1 })
            {
                json.WriteStartObject("state");
                foreach (var (key, value) in state)
                {
                    if (key != "{OriginalFormat}")
                    {
                        WriteValue(json, key, value);
                    }
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteValue(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(key);
                break;
            case bool b:
                json.WriteBoolean(key, b);
                break;
            case int or long or short or byte or uint or ulong or ushort:
                json.WriteNumber(key, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double or float or decimal:
                json.WriteNumber(key, Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static string ShortName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };
}
