using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Json;

namespace Matrix.Scenarios.Tau2.Domains.Airline;

/// <summary>
/// Python's view of JSON argument values, for error and result texts tau2-bench builds from them: <c>str()</c>,
/// <c>repr()</c> and type names of what <c>json.loads</c> gives, and pydantic v2's <c>ValidationError</c> text for
/// the models tau2's airline tools build from their arguments (<c>FlightInfo(**flight)</c>, <c>Passenger(**p)</c>,
/// <c>Payment(**p)</c>, <c>Reservation(...)</c>).
/// </summary>
internal static class PyValues
{
    /// <summary>The pydantic version in the errors' documentation links (tau2-bench pins pydantic 2.x).</summary>
    private const string PydanticDocsVersion = "2.11";

    /// <summary>Python's <c>str()</c> of a JSON value (as <c>json.loads</c> returns it).</summary>
    public static string Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : Repr(node);

    /// <summary>Python's <c>repr()</c> of a JSON value: dicts and lists as Python prints them, strings quoted, True/False/None.</summary>
    public static string Repr(JsonNode? node)
    {
        var sb = new StringBuilder();
        WriteRepr(sb, node);
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

    public static bool IsNull(JsonNode? node) => node is null || (node is JsonValue v && v.GetValueKind() == JsonValueKind.Null);

    private static void WriteRepr(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("None");
                break;
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
                    WriteString(sb, key);
                    sb.Append(": ");
                    WriteRepr(sb, value);
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

                    WriteRepr(sb, a[i]);
                }

                sb.Append(']');
                break;
            case JsonValue v:
                switch (v.GetValueKind())
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

                break;
        }
    }

    /// <summary>A number as Python prints what <c>json.loads</c> made of it: an int's digits, or a float's repr.</summary>
    private static string NumberText(JsonValue v)
    {
        if (IsIntegerLiteral(v))
        {
            return v.TryGetValue<JsonElement>(out var e)
                ? BigInteger.Parse(e.GetRawText(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)
                : PyJson.Dumps(v);
        }

        var d = AirlineModel.Number(v) ?? 0;
        return double.IsInfinity(d) ? (d > 0 ? "inf" : "-inf") : PyJson.Float(d);
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

    /// <summary>
    /// The errors of validating one pydantic model, worded as pydantic v2 prints a <c>ValidationError</c>; the
    /// reads return the (lax-mode) converted value, or a default after recording the error.
    /// </summary>
    internal sealed class Validation(string model)
    {
        private readonly List<string> _errors = [];

        /// <summary>A required <c>str</c> field of keyword arguments given as a dict.</summary>
        public string String(JsonObject kwargs, string field)
        {
            if (!kwargs.TryGetPropertyValue(field, out var value))
            {
                Add(field, "Field required", "missing", kwargs);
                return string.Empty;
            }

            return StringValue(field, value);
        }

        public string StringValue(string loc, JsonNode? value)
        {
            if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                return v.GetValue<string>();
            }

            Add(loc, "Input should be a valid string", "string_type", value);
            return string.Empty;
        }

        /// <summary>A required <c>int</c> field: ints, integral floats and integer strings pass (lax mode).</summary>
        public long Int(JsonObject kwargs, string field)
        {
            if (!kwargs.TryGetPropertyValue(field, out var value))
            {
                Add(field, "Field required", "missing", kwargs);
                return 0;
            }

            return IntValue(field, value);
        }

        public long IntValue(string loc, JsonNode? value)
        {
            if (value is JsonValue v)
            {
                switch (v.GetValueKind())
                {
                    case JsonValueKind.Number:
                        if (AirlineModel.Integer(v) is { } l)
                        {
                            return l;
                        }

                        Add(loc, "Input should be a valid integer, got a number with a fractional part", "int_from_float", value);
                        return 0;
                    case JsonValueKind.String:
                        if (long.TryParse(v.GetValue<string>().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
                        {
                            return parsed;
                        }

                        Add(loc, "Input should be a valid integer, unable to parse string as an integer", "int_parsing", value);
                        return 0;
                    case JsonValueKind.True:
                        return 1;
                    case JsonValueKind.False:
                        return 0;
                }
            }

            Add(loc, "Input should be a valid integer", "int_type", value);
            return 0;
        }

        /// <summary>A <c>float</c> value: numbers and numeric strings pass (lax mode).</summary>
        public double FloatValue(string loc, JsonNode? value)
        {
            if (value is JsonValue v)
            {
                switch (v.GetValueKind())
                {
                    case JsonValueKind.Number:
                        return AirlineModel.Number(v) ?? 0;
                    case JsonValueKind.String:
                        if (double.TryParse(v.GetValue<string>().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
                        {
                            return parsed;
                        }

                        Add(loc, "Input should be a valid number, unable to parse string as a number", "float_parsing", value);
                        return 0;
                    case JsonValueKind.True:
                        return 1;
                    case JsonValueKind.False:
                        return 0;
                }
            }

            Add(loc, "Input should be a valid number", "float_type", value);
            return 0;
        }

        /// <summary>A <c>Literal[...]</c> field.</summary>
        public string Literal(string loc, JsonNode? value, IReadOnlyList<string> allowed)
        {
            if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String && allowed.Contains(v.GetValue<string>()))
            {
                return v.GetValue<string>();
            }

            var quoted = allowed.Select(a => $"'{a}'").ToList();
            var expected = quoted.Count == 1 ? quoted[0] : string.Join(", ", quoted.Take(quoted.Count - 1)) + " or " + quoted[^1];
            Add(loc, $"Input should be {expected}", "literal_error", value);
            return string.Empty;
        }

        /// <summary>Throws the collected errors, if any, as tau2 would surface the <c>ValidationError</c>.</summary>
        public void ThrowIfAny()
        {
            if (_errors.Count == 0)
            {
                return;
            }

            var header = string.Create(CultureInfo.InvariantCulture, $"{_errors.Count} validation error{(_errors.Count == 1 ? string.Empty : "s")} for {model}");
            throw new ToolException(header + "\n" + string.Join("\n", _errors));
        }

        private void Add(string loc, string message, string type, JsonNode? input)
        {
            var repr = Repr(input);
            if (repr.Length > 50)
            {
                repr = repr[..25] + "..." + repr[^24..];
            }

            _errors.Add($"{loc}\n  {message} [type={type}, input_value={repr}, input_type={TypeName(input)}]\n    For further information visit https://errors.pydantic.dev/{PydanticDocsVersion}/v/{type}");
        }
    }
}
