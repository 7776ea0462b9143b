using System.Text.Json.Nodes;

namespace Matrix.Scenarios.Tau2.Env;

/// <summary>One argument of a tool: its JSON schema (OpenAI function calling) and whether it must be given.</summary>
internal sealed record ToolParameter(string Name, string Description, JsonObject Schema, bool Required = true)
{
    public static ToolParameter String(string name, string description, bool required = true) => new(name, description, Typed("string", description), required);

    public static ToolParameter Integer(string name, string description, bool required = true) => new(name, description, Typed("integer", description), required);

    public static ToolParameter Number(string name, string description, bool required = true) => new(name, description, Typed("number", description), required);

    public static ToolParameter Boolean(string name, string description, bool required = true) => new(name, description, Typed("boolean", description), required);

    /// <summary>A string restricted to <paramref name="values"/> (a Python <c>Literal[...]</c>).</summary>
    public static ToolParameter Enum(string name, string description, IEnumerable<string> values, bool required = true)
    {
        var schema = Typed("string", description);
        schema["enum"] = new JsonArray(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
        return new(name, description, schema, required);
    }

    public static ToolParameter StringList(string name, string description, bool required = true) =>
        new(name, description, new JsonObject { ["type"] = "array", ["description"] = description, ["items"] = new JsonObject { ["type"] = "string" } }, required);

    /// <summary>A list of objects whose fields are <paramref name="fields"/> (all required).</summary>
    public static ToolParameter ObjectList(string name, string description, params ToolParameter[] fields) =>
        new(name, description, new JsonObject { ["type"] = "array", ["description"] = description, ["items"] = ObjectSchema(fields) }, true);

    public static JsonObject ObjectSchema(IEnumerable<ToolParameter> fields)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var f in fields)
        {
            properties[f.Name] = f.Schema.DeepClone();
            if (f.Required)
            {
                required.Add(f.Name);
            }
        }

        return new JsonObject { ["type"] = "object", ["properties"] = properties, ["required"] = required };
    }

    private static JsonObject Typed(string type, string description) => new() { ["type"] = type, ["description"] = description };
}
