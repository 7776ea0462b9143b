using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Matrix.Engine.Scenarios;

namespace Matrix.Scenarios.Nr;

/// <summary>
/// Reads web documents as JSONL, plain or <c>.jsonl.zst</c> (DCLM and FineWeb shards as they come):
/// <list type="bullet">
/// <item><c>text</c> (string, required, not blank);</item>
/// <item><c>url</c> (string, optional);</item>
/// <item>the English score, optional: <c>language_score</c> (a number; FineWeb pairs it with <c>language</c>, and
/// when that names another language than <c>en</c> the English score is 0), else DCLM's
/// <c>language_id_whole_page_fasttext.en</c> (an object without <c>en</c> scores 0, as in Matrix); with neither,
/// the filter falls back on <see cref="NrEnglish"/>;</item>
/// <item>the row id: <c>id</c> (string or number), else DCLM's <c>metadata.WARC-Record-ID</c> (Matrix's id), else
/// the row index.</item>
/// </list>
/// A bad row becomes <see cref="InputRow.Malformed"/> naming file, line and field; the next rows still load.
/// </summary>
internal static class NrLoader
{
    public static IAsyncEnumerable<InputRow> ReadAsync(string path, long? limit, CancellationToken cancellationToken = default) =>
        JsonlRows.ReadAsync<NrDocument>(path, limit, TryParse, "id", cancellationToken);

    /// <summary>Parses one row; on failure <paramref name="problem"/> says what is wrong (without file and line).</summary>
    public static bool TryParse(JsonElement row, [NotNullWhen(true)] out NrDocument? document, out string? id, out string? problem)
    {
        document = null;
        id = null;
        problem = Parse(row, ref document, ref id);
        return problem is null;
    }

    private static string? Parse(JsonElement row, ref NrDocument? document, ref string? id)
    {
        if (!row.TryGetProperty("text", out var t) || t.ValueKind == JsonValueKind.Null)
        {
            return "field 'text' is missing";
        }

        if (t.ValueKind != JsonValueKind.String)
        {
            return $"field 'text' must be a string, got {t.ValueKind.ToString().ToLowerInvariant()}";
        }

        var text = t.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return "field 'text' is empty";
        }

        string? url = null;
        if (row.TryGetProperty("url", out var u) && u.ValueKind != JsonValueKind.Null)
        {
            if (u.ValueKind != JsonValueKind.String)
            {
                return $"field 'url' must be a string, got {u.GetRawText()}";
            }

            url = u.GetString();
        }

        var problem = EnglishScore(row, out var english) ?? Id(row, ref id);
        if (problem is not null)
        {
            return problem;
        }

        document = new NrDocument(text, url, english);
        return null;
    }

    private static string? EnglishScore(JsonElement row, out double? english)
    {
        english = null;
        if (row.TryGetProperty("language_score", out var score) && score.ValueKind != JsonValueKind.Null)
        {
            if (!IsNumber(score, out var value))
            {
                return $"field 'language_score' must be a number, got {score.GetRawText()}";
            }

            var language = row.TryGetProperty("language", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
            english = language is null or "en" or "eng" ? value : 0;
            return null;
        }

        if (row.TryGetProperty("language_id_whole_page_fasttext", out var fasttext) && fasttext.ValueKind != JsonValueKind.Null)
        {
            if (fasttext.ValueKind != JsonValueKind.Object)
            {
                return $"field 'language_id_whole_page_fasttext' must be an object like {{\"en\": 0.93}}, got {fasttext.GetRawText()}";
            }

            if (!fasttext.TryGetProperty("en", out var en) || en.ValueKind == JsonValueKind.Null)
            {
                english = 0;
            }
            else if (!IsNumber(en, out var value))
            {
                return $"field 'language_id_whole_page_fasttext.en' must be a number, got {en.GetRawText()}";
            }
            else
            {
                english = value;
            }
        }

        return null;
    }

    /// <summary>A finite JSON number (1e400 is valid JSON but no double).</summary>
    private static bool IsNumber(JsonElement element, out double value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out value) && double.IsFinite(value);
    }

    private static string? Id(JsonElement row, ref string? id)
    {
        if (row.TryGetProperty("id", out var value) && value.ValueKind != JsonValueKind.Null)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.String when !string.IsNullOrWhiteSpace(value.GetString()):
                    id = value.GetString();
                    return null;
                case JsonValueKind.Number:
                    id = value.GetRawText();
                    return null;
                default:
                    return $"field 'id' must be a non-empty string or a number, got {value.GetRawText()}";
            }
        }

        if (row.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("WARC-Record-ID", out var warc) && warc.ValueKind == JsonValueKind.String
            && !string.IsNullOrWhiteSpace(warc.GetString()))
        {
            id = warc.GetString();
        }

        return null;
    }
}
