using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Matrix.Scenarios.Tau2.Json;

/// <summary>
/// JSON text exactly as Python's <c>json.dumps</c> writes it with its defaults (<c>", "</c> and <c>": "</c>
/// separators, non-ASCII escaped as <c>\uXXXX</c>, floats as <c>repr</c>: <c>100.0</c>, <c>71.96000000000001</c>).
/// tau2-bench puts that text in its tool messages; keeping it byte for byte lets our trajectories mix with
/// tau2-bench's own. Numbers read from the domain files keep their original text (Python wrote them).
/// </summary>
internal static class PyJson
{
    public static string Dumps(JsonNode? node)
    {
        var sb = new StringBuilder(256);
        Write(sb, node);
        return sb.ToString();
    }

    public static void Write(StringBuilder sb, JsonNode? node) => WriteTree(sb, node, WriteString, WriteScalar);

    /// <summary>
    /// Writes dicts and lists as both <c>json.dumps</c> and Python's <c>repr</c> lay them out (<c>{k: v, ...}</c>,
    /// <c>[a, b]</c>, with <c>", "</c> and <c>": "</c>), leaving keys and scalars (null included) to the given
    /// writers: the two formats differ only there.
    /// </summary>
    public static void WriteTree(StringBuilder sb, JsonNode? node, Action<StringBuilder, string> writeKey, Action<StringBuilder, JsonValue?> writeScalar)
    {
        switch (node)
        {
            case JsonObject o:
                sb.Append('{');
                var first = true;
                foreach (var (key, value) in o)
                {
                    if (!first)
                    {
                        sb.Append(", ");
                    }

                    first = false;
                    writeKey(sb, key);
                    sb.Append(": ");
                    WriteTree(sb, value, writeKey, writeScalar);
                }

                sb.Append('}');
                break;
            case JsonArray a:
                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }

                    WriteTree(sb, a[i], writeKey, writeScalar);
                }

                sb.Append(']');
                break;
            default:
                writeScalar(sb, node as JsonValue);
                break;
        }
    }

    private static void WriteScalar(StringBuilder sb, JsonValue? v)
    {
        if (v is null)
        {
            sb.Append("null");
        }
        else
        {
            WriteValue(sb, v);
        }
    }

    private static void WriteValue(StringBuilder sb, JsonValue v)
    {
        if (v.TryGetValue<JsonElement>(out var element))
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    WriteString(sb, element.GetString()!);
                    return;
                case JsonValueKind.Number:
                    sb.Append(element.GetRawText());
                    return;
                case JsonValueKind.True:
                    sb.Append("true");
                    return;
                case JsonValueKind.False:
                    sb.Append("false");
                    return;
                default:
                    sb.Append("null");
                    return;
            }
        }

        if (v.TryGetValue<string>(out var s))
        {
            WriteString(sb, s);
        }
        else if (v.TryGetValue<bool>(out var b))
        {
            sb.Append(b ? "true" : "false");
        }
        else if (v.TryGetValue<int>(out var i))
        {
            sb.Append(i.ToString(CultureInfo.InvariantCulture));
        }
        else if (v.TryGetValue<long>(out var l))
        {
            sb.Append(l.ToString(CultureInfo.InvariantCulture));
        }
        else if (v.TryGetValue<double>(out var d))
        {
            sb.Append(Float(d));
        }
        else
        {
            throw new InvalidOperationException($"unsupported JSON value {v.GetValueKind()}");
        }
    }

    /// <summary>Python's <c>repr(float)</c>: the shortest round-trip digits, fixed notation for exponents -4..15.</summary>
    public static string Float(double d)
    {
        if (double.IsNaN(d))
        {
            return "NaN";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? "Infinity" : "-Infinity";
        }

        if (d == 0)
        {
            return double.IsNegative(d) ? "-0.0" : "0.0";
        }

        // "R" gives the shortest round-trip digits (since .NET Core 3.0), as repr does; only the layout differs.
        var shortest = d.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest[0] == '-';
        var body = negative ? shortest[1..] : shortest;
        int exp;
        string mantissa;
        var e = body.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(body[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mantissa = body[..e];
        }
        else
        {
            exp = 0;
            mantissa = body;
        }

        // Normalize to digits d1d2...dn with the decimal point after d1, times 10^exp10.
        var dot = mantissa.IndexOf('.');
        var intPart = dot < 0 ? mantissa : mantissa[..dot];
        var fracPart = dot < 0 ? string.Empty : mantissa[(dot + 1)..];
        var digits = (intPart + fracPart).TrimStart('0');
        var leadingZeros = (intPart + fracPart).Length - digits.Length;
        var exp10 = exp + intPart.Length - 1 - leadingZeros;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        var sb = new StringBuilder(32);
        if (negative)
        {
            sb.Append('-');
        }

        if (exp10 is >= -4 and < 16)
        {
            if (exp10 < 0)
            {
                sb.Append("0.").Append('0', -exp10 - 1).Append(digits);
            }
            else if (digits.Length <= exp10 + 1)
            {
                sb.Append(digits).Append('0', exp10 + 1 - digits.Length).Append(".0");
            }
            else
            {
                sb.Append(digits, 0, exp10 + 1).Append('.').Append(digits, exp10 + 1, digits.Length - exp10 - 1);
            }
        }
        else
        {
            sb.Append(digits[0]);
            if (digits.Length > 1)
            {
                sb.Append('.').Append(digits, 1, digits.Length - 1);
            }

            sb.Append('e').Append(exp10 < 0 ? '-' : '+').Append(Math.Abs(exp10).ToString("00", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
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
                case '\b':
                    sb.Append("\\b");
                    break;
                case '\f':
                    sb.Append("\\f");
                    break;
                default:
                    if (c < 0x20 || c > 0x7E)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
