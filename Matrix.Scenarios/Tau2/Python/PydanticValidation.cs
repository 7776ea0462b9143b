using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Json;

namespace Matrix.Scenarios.Tau2.Python;

/// <summary>
/// The errors of validating one pydantic model, worded as pydantic v2 prints a <c>ValidationError</c>, for the
/// models tau2's tools build from their arguments (the airline's <c>FlightInfo(**flight)</c>, <c>Passenger(**p)</c>,
/// <c>Payment(**p)</c>, <c>Reservation(...)</c>). The reads return the (lax-mode) converted value, or a default after
/// recording the error; <see cref="ThrowIfAny"/> then raises them all at once, as pydantic does.
/// </summary>
internal sealed class PydanticValidation(string model)
{
    /// <summary>The pydantic version in the errors' documentation links (tau2-bench pins pydantic 2.x).</summary>
    private const string PydanticDocsVersion = "2.11";

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
                    if (JsonValues.Integer(v) is { } l)
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
                    return JsonValues.Number(v) ?? 0;
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
        var repr = PyRepr.Repr(input);
        if (repr.Length > 50)
        {
            repr = repr[..25] + "..." + repr[^24..];
        }

        _errors.Add($"{loc}\n  {message} [type={type}, input_value={repr}, input_type={PyRepr.TypeName(input)}]\n    For further information visit https://errors.pydantic.dev/{PydanticDocsVersion}/v/{type}");
    }
}
