using System.Collections.Concurrent;
using System.Text.Json;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Http;

namespace Matrix.Scenarios.Tau2.Sim;

/// <summary>
/// The arguments of a tool, parsed from its JSON schema once per distinct schema text and cached (tools repeat in
/// every request of a scenario). Understands <c>type</c> (also as a list), <c>enum</c>, <c>items</c>,
/// <c>properties</c>/<c>required</c> and <c>anyOf</c>/<c>oneOf</c> (the first branch that is not null).
/// </summary>
internal static class Tau2ToolSchema
{
    private const int MaxCached = 4096;
    private const int MaxDepth = 6;

    private static readonly ConcurrentDictionary<string, Tau2Arg[]> Cache = new(StringComparer.Ordinal);

    public static Tau2Arg[] Of(ToolDefinition tool) => Of(OpenAiWire.ParametersSchemaOf(tool));

    public static Tau2Arg[] Of(string schema)
    {
        if (Cache.TryGetValue(schema, out var args))
        {
            return args;
        }

        args = Parse(schema);
        if (Cache.Count >= MaxCached)
        {
            Cache.Clear(); // schemas from a hostile or endless source: keep the memory bounded
        }

        return Cache.GetOrAdd(schema, args);
    }

    private static Tau2Arg[] Parse(string schema)
    {
        try
        {
            using var doc = JsonDocument.Parse(schema);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? Fields(doc.RootElement, 0) : [];
        }
        catch (JsonException)
        {
            return []; // a tool without a readable schema is called without arguments
        }
    }

    private static Tau2Arg[] Fields(JsonElement schema, int depth)
    {
        if (!schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        var required = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("required", out var req) && req.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in req.EnumerateArray())
            {
                if (r.ValueKind == JsonValueKind.String)
                {
                    required.Add(r.GetString()!);
                }
            }
        }

        var result = new List<Tau2Arg>();
        foreach (var p in properties.EnumerateObject())
        {
            result.Add(Arg(p.Name, required.Remove(p.Name), p.Value, depth));
        }

        foreach (var missing in required)
        {
            result.Add(new Tau2Arg(missing, required: true)); // required but undeclared: a string
        }

        return [.. result];
    }

    private static Tau2Arg Arg(string name, bool required, JsonElement schema, int depth)
    {
        var arg = new Tau2Arg(name, required);
        schema = Branch(schema);
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return arg;
        }

        arg.Type = TypeOf(schema);
        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
        {
            arg.Enum = values.EnumerateArray().Select(v => v.GetRawText()).ToArray();
        }

        if (depth >= MaxDepth)
        {
            arg.Type = arg.Type is Tau2ArgType.Array or Tau2ArgType.Object ? Tau2ArgType.String : arg.Type;
            return arg;
        }

        if (arg.Type == Tau2ArgType.Array)
        {
            var itemName = arg.Name.EndsWith('s') ? arg.Name[..^1] : arg.Name;
            arg.Items = schema.TryGetProperty("items", out var items) ? Arg(itemName, true, items, depth + 1) : new Tau2Arg(itemName, true);
        }
        else if (arg.Type == Tau2ArgType.Object)
        {
            arg.Properties = Fields(schema, depth + 1);
        }

        return arg;
    }

    /// <summary>The first branch of <c>anyOf</c>/<c>oneOf</c> that is not <c>{"type": "null"}</c>, or the schema itself.</summary>
    private static JsonElement Branch(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || schema.TryGetProperty("type", out _))
        {
            return schema;
        }

        foreach (var combinator in (ReadOnlySpan<string>)["anyOf", "oneOf", "allOf"])
        {
            if (schema.TryGetProperty(combinator, out var branches) && branches.ValueKind == JsonValueKind.Array)
            {
                foreach (var b in branches.EnumerateArray())
                {
                    if (b.ValueKind == JsonValueKind.Object && !(b.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.ValueEquals("null")))
                    {
                        return b;
                    }
                }
            }
        }

        return schema;
    }

    private static Tau2ArgType TypeOf(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return schema.TryGetProperty("properties", out _) ? Tau2ArgType.Object : schema.TryGetProperty("items", out _) ? Tau2ArgType.Array : Tau2ArgType.String;
        }

        if (type.ValueKind == JsonValueKind.Array)
        {
            foreach (var t in type.EnumerateArray())
            {
                if (t.ValueKind == JsonValueKind.String && !t.ValueEquals("null"))
                {
                    return Named(t.GetString());
                }
            }

            return Tau2ArgType.String;
        }

        return type.ValueKind == JsonValueKind.String ? Named(type.GetString()) : Tau2ArgType.String;
    }

    private static Tau2ArgType Named(string? type) => type switch
    {
        "integer" => Tau2ArgType.Integer,
        "number" => Tau2ArgType.Number,
        "boolean" => Tau2ArgType.Boolean,
        "array" => Tau2ArgType.Array,
        "object" => Tau2ArgType.Object,
        _ => Tau2ArgType.String,
    };
}
