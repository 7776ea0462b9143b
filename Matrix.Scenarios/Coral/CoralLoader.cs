using System.Globalization;
using System.Text.Json;
using Matrix.Engine.Scenarios;

namespace Matrix.Scenarios.Coral;

/// <summary>
/// Reads MMLU-Pro style JSONL: <c>question</c> (string), <c>options</c> (2 to 26 strings, lettered A, B, …),
/// and <c>answer</c> (a letter) or <c>answer_index</c> (0-based), both checked against the options when
/// both are given; <c>question_id</c> (string or number) is the row id when present, else the row index.
/// A bad row becomes <see cref="InputRow.Malformed"/> naming file, line and field, and the next rows
/// still load.
/// </summary>
internal static class CoralLoader
{
    public static IAsyncEnumerable<InputRow> ReadAsync(string path, long? limit, CancellationToken cancellationToken = default) =>
        JsonlRows.ReadAsync<CoralQuestion>(path, limit, TryParse, "question_id", cancellationToken);

    /// <summary>Parses one row; on failure <paramref name="problem"/> says what is wrong (without file and line).</summary>
    public static bool TryParse(JsonElement row, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CoralQuestion? question, out string? id, out string? problem)
    {
        question = null;
        id = null;
        problem = Parse(row, ref question, ref id);
        return problem is null;
    }

    private static string? Parse(JsonElement row, ref CoralQuestion? question, ref string? id)
    {
        if (!row.TryGetProperty("question", out var q) || q.ValueKind == JsonValueKind.Null)
        {
            return "field 'question' is missing";
        }

        if (q.ValueKind != JsonValueKind.String)
        {
            return $"field 'question' must be a string, got {Kind(q)}";
        }

        var text = q.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return "field 'question' is empty";
        }

        if (!row.TryGetProperty("options", out var opts) || opts.ValueKind == JsonValueKind.Null)
        {
            return "field 'options' is missing";
        }

        if (opts.ValueKind != JsonValueKind.Array)
        {
            return $"field 'options' must be an array of strings, got {Kind(opts)}";
        }

        var count = opts.GetArrayLength();
        if (count is < CoralQuestion.MinOptions or > CoralQuestion.MaxOptions)
        {
            return string.Create(CultureInfo.InvariantCulture, $"field 'options' has {count} options; expected {CoralQuestion.MinOptions} to {CoralQuestion.MaxOptions}");
        }

        var options = new string[count];
        var i = 0;
        foreach (var option in opts.EnumerateArray())
        {
            if (option.ValueKind != JsonValueKind.String)
            {
                return string.Create(CultureInfo.InvariantCulture, $"field 'options' item {i} must be a string, got {Kind(option)}");
            }

            options[i++] = option.GetString()!;
        }

        var answer = -1;
        if (row.TryGetProperty("answer", out var a) && a.ValueKind != JsonValueKind.Null)
        {
            if (a.ValueKind != JsonValueKind.String || a.GetString()!.Trim() is not { Length: 1 } letter || letter[0] is not (>= 'A' and <= 'Z'))
            {
                return $"field 'answer' must be an option letter A-{CoralQuestion.Letter(count - 1)}, got {a.GetRawText()}";
            }

            answer = letter[0] - 'A';
            if (answer >= count)
            {
                return string.Create(CultureInfo.InvariantCulture, $"field 'answer' is '{letter}' but there are only {count} options (A-{CoralQuestion.Letter(count - 1)})");
            }
        }

        if (row.TryGetProperty("answer_index", out var ai) && ai.ValueKind != JsonValueKind.Null)
        {
            if (ai.ValueKind != JsonValueKind.Number || !ai.TryGetInt32(out var index))
            {
                return $"field 'answer_index' must be a whole number, got {ai.GetRawText()}";
            }

            if (index < 0 || index >= count)
            {
                return string.Create(CultureInfo.InvariantCulture, $"field 'answer_index' is {index} but there are {count} options (0 to {count - 1})");
            }

            if (answer >= 0 && answer != index)
            {
                return string.Create(CultureInfo.InvariantCulture, $"fields 'answer' ({CoralQuestion.Letter(answer)}) and 'answer_index' ({index}) disagree");
            }

            answer = index;
        }

        if (answer < 0)
        {
            return "field 'answer' (or 'answer_index') is missing";
        }

        if (row.TryGetProperty("question_id", out var qid))
        {
            switch (qid.ValueKind)
            {
                case JsonValueKind.String:
                    id = qid.GetString();
                    if (string.IsNullOrWhiteSpace(id))
                    {
                        return "field 'question_id' is empty";
                    }

                    break;
                case JsonValueKind.Number:
                    id = qid.GetRawText();
                    break;
                case JsonValueKind.Null:
                    break;
                default:
                    return $"field 'question_id' must be a string or a number, got {qid.GetRawText()}";
            }
        }

        question = new CoralQuestion(text, options, answer);
        return null;
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
