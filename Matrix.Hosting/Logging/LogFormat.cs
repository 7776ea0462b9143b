namespace Matrix.Hosting.Logging;

/// <summary>How <see cref="WriterLoggerProvider"/> writes a log line: plain text, or one JSON object per line.</summary>
internal enum LogFormat
{
    Text,
    Json,
}
