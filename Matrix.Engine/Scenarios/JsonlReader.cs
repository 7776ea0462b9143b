using System.Runtime.CompilerServices;
using System.Text.Json;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Matrix.Engine.Scenarios;

/// <summary>One line of a JSONL file: its 1-based number and either the parsed object or why it failed.</summary>
public readonly record struct JsonlLine(long LineNumber, JsonElement Value, string? Error);

/// <summary>
/// Streams a JSONL file (plain, or zstd-compressed when it ends in <c>.zst</c>) line by line. A line
/// that is not a JSON object comes back with <see cref="JsonlLine.Error"/> naming file and line, so that
/// the caller fails that row alone. Blank lines are skipped.
/// </summary>
public static class JsonlReader
{
    public static async IAsyncEnumerable<JsonlLine> ReadAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            throw new InputException(Directory.Exists(path) ? $"input '{path}' is a folder, not a JSONL file" : $"input file '{path}' does not exist");
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        Stream stream = file;
        if (path.EndsWith(".zst", StringComparison.OrdinalIgnoreCase))
        {
            var zstd = new DecompressionStream(file);
            zstd.SetParameter(ZSTD_dParameter.ZSTD_d_windowLogMax, 31);
            stream = zstd;
        }

        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true, 1 << 16);
            long lineNumber = 0;
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                yield return Parse(path, lineNumber, line);
            }
        }
    }

    private static JsonlLine Parse(string path, long lineNumber, string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return new JsonlLine(lineNumber, default, $"{Path.GetFileName(path)}:{lineNumber}: expected a JSON object, got {doc.RootElement.ValueKind}");
            }

            return new JsonlLine(lineNumber, doc.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            return new JsonlLine(lineNumber, default, $"{Path.GetFileName(path)}:{lineNumber}: malformed JSON: {e.Message}");
        }
    }
}
