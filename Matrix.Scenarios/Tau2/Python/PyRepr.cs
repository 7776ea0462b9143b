using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Json;

namespace Matrix.Scenarios.Tau2.Python;

/// <summary>
/// Python's view of JSON argument values, for the error and result texts tau2-bench builds from them: <c>str()</c>,
/// <c>repr()</c> and type names of what <c>json.loads</c> gives (dicts and lists, str, int, float, bool, None).
/// </summary>
internal static class PyRepr
{
    /// <summary>Python's <c>str()</c> of a JSON value: a string as it is, anything else as its <c>repr</c>.</summary>
    public static string Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : Repr(node);

    /// <summary>Python's <c>repr()</c> of a JSON value: dicts and lists as Python prints them, strings quoted, True/False/None.</summary>
    public static string Repr(JsonNode? node)
    {
        var sb = new StringBuilder();
        PyJson.WriteTree(sb, node, WriteString, WriteScalar);
        return sb.ToString();
    }

    /// <summary>Python's type name of a JSON value.</summary>
    public static string TypeName(JsonNode? node) => node switch
    {
        null => "NoneType",
        JsonObject => "dict",
        JsonArray => "list",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "str",
            JsonValueKind.True or JsonValueKind.False => "bool",
            JsonValueKind.Number => IsIntegerLiteral(v) ? "int" : "float",
            _ => "NoneType",
        },
        _ => "object",
    };

    /// <summary>Whether a number is an int for Python (its JSON text has no fraction or exponent).</summary>
    public static bool IsIntegerLiteral(JsonValue v)
    {
        if (v.TryGetValue<JsonElement>(out var e))
        {
            return e.GetRawText().AsSpan().IndexOfAny(".eE") < 0;
        }

        return v.TryGetValue<int>(out _) || v.TryGetValue<long>(out _);
    }

    private static void WriteScalar(StringBuilder sb, JsonValue? v)
    {
        switch (v?.GetValueKind())
        {
            case JsonValueKind.String:
                WriteString(sb, v.GetValue<string>());
                break;
            case JsonValueKind.True:
                sb.Append("True");
                break;
            case JsonValueKind.False:
                sb.Append("False");
                break;
            case JsonValueKind.Number:
                sb.Append(NumberText(v));
                break;
            default:
                sb.Append("None");
                break;
        }
    }

    /// <summary>A number as Python prints what <c>json.loads</c> made of it: an int's digits, or a float's repr.</summary>
    private static string NumberText(JsonValue v)
    {
        if (IsIntegerLiteral(v))
        {
            // Re-read rather than copied: the JSON text may say -0, which Python prints as 0.
            return v.TryGetValue<JsonElement>(out var e)
                ? BigInteger.Parse(e.GetRawText(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)
                : PyJson.Dumps(v);
        }

        return PyNumbers.Str(JsonValues.Number(v) ?? 0);
    }

    /// <summary>Python's string repr: single quotes unless the text has a single quote and no double quote.</summary>
    private static void WriteString(StringBuilder sb, string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        sb.Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                default:
                    if (c == quote)
                    {
                        sb.Append('\\').Append(c);
                    }
                    else if (c < 0x20 || c == 0x7F)
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append(quote);
    }
}
