using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Matrix.Engine.Scenarios;

/// <summary>
/// Parses one JSONL row into a scenario's payload and its own id (null: the row index takes its place); on failure
/// the problem says what is wrong, without file and line.
/// </summary>
public delegate bool JsonlRowParser<TPayload>(JsonElement row, out TPayload? payload, out string? id, out string? problem)
    where TPayload : class;

/// <summary>
/// The input rows of a JSONL file (plain or <c>.jsonl.zst</c>) for a scenario's loader: every line is parsed by the
/// scenario's parser; a bad line becomes <see cref="InputRow.Malformed"/> naming file, line and problem, and the
/// next lines still load. Ids must be unique: two rows with one id would give two tasks one id, which
/// <c>--resume</c> could not tell apart.
/// </summary>
public static class JsonlRows
{
    /// <summary>The rows of <paramref name="path"/>, at most <paramref name="limit"/>; <paramref name="idField"/> names the id in the repeated-id error.</summary>
    public static async IAsyncEnumerable<InputRow> ReadAsync<TPayload>(
        string path,
        long? limit,
        JsonlRowParser<TPayload> parse,
        string idField,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where TPayload : class
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(parse);
        var file = Path.GetFileName(path);
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        long index = 0;
        await foreach (var line in JsonlReader.ReadAsync(path, cancellationToken).ConfigureAwait(false))
        {
            if (index >= limit)
            {
                yield break;
            }

            if (line.Error is not null)
            {
                yield return InputRow.Malformed(index, line.Error);
            }
            else if (!parse(line.Value, out var payload, out var id, out var problem))
            {
                yield return InputRow.Malformed(index, $"{file}:{line.LineNumber}: {problem}");
            }
            else
            {
                id ??= index.ToString(CultureInfo.InvariantCulture);
                if (seen.TryGetValue(id, out var firstLine))
                {
                    yield return InputRow.Malformed(index, $"{file}:{line.LineNumber}: {idField} '{id}' repeats line {firstLine}");
                }
                else
                {
                    seen.Add(id, line.LineNumber);
                    yield return new InputRow(id, index, payload);
                }
            }

            index++;
        }
    }
}
