using System.Text.Json;
using System.Text.Json.Nodes;

namespace Matrix.Scenarios.Tau2.Env;

/// <summary>
/// The arguments of one tool call, checked against the tool's parameters before its body runs. Accessors throw
/// <see cref="ToolException"/> on a wrong type, so a model's bad call becomes a tool error, never a crash.
/// </summary>
internal sealed class ToolArguments(JsonObject values)
{
    public JsonObject Values { get; } = values;

    public bool Has(string name) => Values.TryGetPropertyValue(name, out var v) && v is not null && v.GetValueKind() != JsonValueKind.Null;

    public JsonNode? Raw(string name) => Values.TryGetPropertyValue(name, out var v) ? v : null;

    public string String(string name) =>
        Raw(name) is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw WrongType(name, "a string");

    public string? OptionalString(string name) => Has(name) ? String(name) : null;

    public int Integer(string name)
    {
        if (Raw(name) is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            var d = v.GetValue<double>();
            if (d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue)
            {
                return (int)d;
            }
        }

        throw WrongType(name, "an integer");
    }

    public double Number(string name) =>
        Raw(name) is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : throw WrongType(name, "a number");

    public bool Boolean(string name) =>
        Raw(name) is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : throw WrongType(name, "a boolean");

    public JsonArray Array(string name) => Raw(name) as JsonArray ?? throw WrongType(name, "a list");

    public JsonObject Object(string name) => Raw(name) as JsonObject ?? throw WrongType(name, "an object");

    public IReadOnlyList<string> StringList(string name)
    {
        var list = Array(name);
        var result = new List<string>(list.Count);
        foreach (var item in list)
        {
            result.Add(item is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw WrongType(name, "a list of strings"));
        }

        return result;
    }

    private static ToolException WrongType(string name, string expected) => new($"argument '{name}' must be {expected}");
}
