using System.Text.Json;

namespace Matrix.Scenarios.Nr;

/// <summary>
/// Finds the JSON object in a model's reply. Models wrap it in a <c>```json</c> fence, put it bare, or put
/// prose around it; Matrix's <c>extract_json</c> accepts only the fenced form, which would drop good replies.
/// Order: the contents of each fenced block, then the whole reply; in each, every <c>{</c> from the left whose
/// balanced object (braces inside strings skipped) parses as JSON; the first that parses wins. Trailing commas
/// and comments are allowed; LaTeX backslashes are repaired first (see <see cref="RepairBackslashes"/>).
/// </summary>
/// <remarks>
/// It runs on every score and question reply, so it avoids the costly paths: a candidate that cannot be an
/// object with keys (<c>{x | x &gt; 0}</c>, <c>{42}</c>, a single-quoted dict) is skipped without throwing, the
/// reply is parsed in place, and it is copied only when backslashes need repair.
/// </remarks>
internal static class NrJson
{
    /// <summary>Objects parsed per candidate text, so that a reply full of unclosed objects cannot make this quadratic.</summary>
    private const int MaxAttempts = 16;

    private const string Fence = "```";

    private static readonly JsonDocumentOptions Options = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 32,
    };

    public static bool TryExtractObject(string? reply, out JsonElement value)
    {
        value = default;
        if (string.IsNullOrEmpty(reply))
        {
            return false;
        }

        var text = reply.AsMemory();
        var from = 0;
        while (from < text.Length && text.Span[from..].IndexOf(Fence) is var open and >= 0)
        {
            // The language tag ("json", "JSON", none) runs to the end of the fence line.
            var tagStart = from + open + Fence.Length;
            var newline = text.Span[tagStart..].IndexOf('\n');
            if (newline < 0)
            {
                break;
            }

            var bodyStart = tagStart + newline + 1;
            var close = text.Span[bodyStart..].IndexOf(Fence);
            var bodyEnd = close < 0 ? text.Length : bodyStart + close;
            if (TryFirstObject(text[bodyStart..bodyEnd], out value))
            {
                return true;
            }

            from = bodyEnd + Fence.Length;
        }

        return TryFirstObject(text, out value);
    }

    private static bool TryFirstObject(ReadOnlyMemory<char> text, out JsonElement value)
    {
        var span = text.Span;
        var attempts = 0;
        for (var start = span.IndexOf('{'); start >= 0 && attempts < MaxAttempts;)
        {
            // Braces of prose or LaTeX are skipped at no cost; an object cut off at the end never closes, but an
            // inner or later one still might.
            if (OpensObject(span[(start + 1)..]))
            {
                attempts++;
                var end = MatchingBrace(span[start..]);
                if (end >= 0 && TryParse(text.Slice(start, end + 1), out value))
                {
                    return true;
                }
            }

            var next = span[(start + 1)..].IndexOf('{');
            start = next < 0 ? -1 : start + 1 + next;
        }

        value = default;
        return false;
    }

    /// <summary>Whether what follows a <c>{</c> can start a JSON object: a key in double quotes, or the closing brace.</summary>
    private static bool OpensObject(ReadOnlySpan<char> rest)
    {
        var i = rest.IndexOfAnyExcept(" \t\r\n");
        return i >= 0 && rest[i] is '"' or '}' or '/';
    }

    /// <summary>The index of the brace that closes the object opening at 0, skipping string contents; -1 when it never closes.</summary>
    private static int MatchingBrace(ReadOnlySpan<char> text)
    {
        var depth = 0;
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    inString = false;
                }
            }
            else if (c == '"')
            {
                inString = true;
            }
            else if (c == '{')
            {
                depth++;
            }
            else if (c == '}' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool TryParse(ReadOnlyMemory<char> candidate, out JsonElement value)
    {
        var json = NeedsRepair(candidate.Span) ? RepairBackslashes(candidate.Span).AsMemory() : candidate;
        try
        {
            using var document = JsonDocument.Parse(json, Options);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                value = document.RootElement.Clone();
                return true;
            }
        }
        catch (JsonException)
        {
        }

        value = default;
        return false;
    }

    /// <summary>
    /// Models write LaTeX inside JSON strings with one backslash: <c>"\boxed{4}"</c>, <c>"\sqrt{2}"</c>. Strict
    /// JSON rejects <c>\s</c> and, worse, reads <c>\b</c> and <c>\f</c> as backspace and form feed, losing the
    /// <c>\boxed{</c> the question step checks for. So a backslash that does not start a valid escape, or starts
    /// <c>\b</c>/<c>\f</c> followed by a letter (no model means a backspace before a word), is taken literally.
    /// <c>\n</c>, <c>\r</c> and <c>\t</c> stay escapes: <c>"\nThe"</c> is far more often a newline than LaTeX.
    /// </summary>
    internal static string RepairBackslashes(ReadOnlySpan<char> json)
    {
        var repaired = new System.Text.StringBuilder(json.Length + 16);
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (c != '\\')
            {
                repaired.Append(c);
            }
            else if (IsLiteral(json, i))
            {
                repaired.Append("\\\\");
            }
            else
            {
                repaired.Append(c).Append(json[i + 1]);
                i++;
            }
        }

        return repaired.ToString();
    }

    private static bool NeedsRepair(ReadOnlySpan<char> json)
    {
        for (var i = json.IndexOf('\\'); i >= 0;)
        {
            if (IsLiteral(json, i))
            {
                return true;
            }

            // A valid escape: skip its second character (which may be a backslash itself).
            var next = i + 2 < json.Length ? json[(i + 2)..].IndexOf('\\') : -1;
            i = next < 0 ? -1 : i + 2 + next;
        }

        return false;
    }

    /// <summary>Whether the backslash at <paramref name="i"/> is LaTeX to keep as text rather than a JSON escape.</summary>
    private static bool IsLiteral(ReadOnlySpan<char> json, int i)
    {
        var next = i + 1 < json.Length ? json[i + 1] : '\0';
        return next switch
        {
            '"' or '\\' or '/' or 'n' or 'r' or 't' => false,
            'u' => !IsHex4(json[(i + 2)..]),
            'b' or 'f' => i + 2 < json.Length && char.IsAsciiLetter(json[i + 2]),
            _ => true,
        };
    }

    private static bool IsHex4(ReadOnlySpan<char> s) =>
        s.Length >= 4 && char.IsAsciiHexDigit(s[0]) && char.IsAsciiHexDigit(s[1]) && char.IsAsciiHexDigit(s[2]) && char.IsAsciiHexDigit(s[3]);
}
