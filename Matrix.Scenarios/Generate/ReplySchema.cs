using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Matrix.Engine.Llm;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;

namespace Matrix.Scenarios.Generate;

/// <summary>
/// The JSON Schema a reply must follow (JsonSchema.Net): sent as <c>response_format</c>, checked on every reply, and
/// each top-level property becomes an output column typed from its <c>type</c> (string, integer, number, boolean;
/// anything else is written as its JSON text).
/// </summary>
internal sealed class ReplySchema
{
    private readonly JsonSchema _schema;

    private ReplySchema(string text, JsonSchema schema, IReadOnlyList<(string Name, ColumnType Type)> properties)
    {
        Text = text;
        _schema = schema;
        Properties = properties;
    }

    public string Text { get; }

    public IReadOnlyList<(string Name, ColumnType Type)> Properties { get; }

    public ResponseFormat Format => new("reply", Text);

    /// <summary>Reads the schema in file <paramref name="path"/> (<see cref="Load"/>).</summary>
    public static ReplySchema LoadFile(string key, string path) =>
        File.Exists(path) ? Load(key, File.ReadAllText(path)) : throw new SettingsException($"{key}: schema file '{path}' does not exist");

    /// <summary>Reads the schema <paramref name="text"/>; not JSON Schema: <see cref="SettingsException"/> naming <paramref name="key"/>.</summary>
    public static ReplySchema Load(string key, string text)
    {
        JsonSchema schema;
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text);
            schema = JsonSchema.FromText(text);
        }
        catch (Exception e) when (e is JsonException or JsonSchemaException)
        {
            throw new SettingsException($"{key}: not a JSON Schema: {e.Message.Split('\n', 2)[0].Trim()}");
        }

        using var document = JsonDocument.Parse(text);
        var meta = MetaSchemas.Draft202012.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (!meta.IsValid)
        {
            var first = meta.Details?.FirstOrDefault(d => d.Errors is { Count: > 0 });
            var where = first is null ? string.Empty : $" at '{first.InstanceLocation}'";
            var why = first?.Errors?.Values.FirstOrDefault() ?? "it does not validate against the JSON Schema 2020-12 meta-schema";
            throw new SettingsException($"{key}: not a JSON Schema{where}: {why}");
        }

        if (node is not JsonObject root || root["type"]?.GetValue<string>() != "object" || root["properties"] is not JsonObject properties)
        {
            throw new SettingsException($"{key}: the schema must describe an object with properties (\"type\": \"object\", \"properties\": {{...}}): each property becomes an output column");
        }

        var columns = properties.Select(p => (p.Key, TypeOf(p.Value))).ToList();
        return new ReplySchema(text, schema, columns);
    }

    /// <summary>The reply's JSON object text when it parses and follows the schema; null otherwise.</summary>
    public string? Parse(string? reply)
    {
        if (string.IsNullOrWhiteSpace(reply))
        {
            return null;
        }

        try
        {
            var json = StripFence(reply);
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && _schema.Evaluate(document.RootElement).IsValid ? json : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Models without structured output often wrap JSON in a Markdown fence; the JSON inside is what they meant.</summary>
    private static string StripFence(string reply)
    {
        var text = reply.Trim();
        if (!text.StartsWith("```", StringComparison.Ordinal))
        {
            return text;
        }

        var start = text.IndexOf('\n', StringComparison.Ordinal);
        var end = text.LastIndexOf("```", StringComparison.Ordinal);
        return start > 0 && end > start ? text[(start + 1)..end] : text;
    }

    private static ColumnType TypeOf(JsonNode? property) => (property as JsonObject)?["type"] is JsonValue type && type.TryGetValue<string>(out var name)
        ? name switch
        {
            "string" => ColumnType.Utf8,
            "integer" => ColumnType.Int64,
            "number" => ColumnType.Float64,
            "boolean" => ColumnType.Bool,
            _ => ColumnType.Utf8,
        }
        : ColumnType.Utf8;
}
