using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Matrix.Engine.Llm.Http;

namespace Matrix.Engine.Llm.Sim;

/// <summary>The JSON type of a tool argument, as its schema declares it.</summary>
internal enum Tau2ArgType
{
    String,
    Integer,
    Number,
    Boolean,
    Array,
    Object,
}

/// <summary>One argument (or array item, or object field) of a tool, parsed once from the tool's JSON schema.</summary>
internal sealed class Tau2Arg
{
    public Tau2Arg(string name, bool required)
    {
        Name = name;
        Required = required;
        JsonKey = Quote(name);
        var stem = name.AsSpan();
        stem = stem.EndsWith("_ids", StringComparison.Ordinal) ? stem[..^4]
            : stem.EndsWith("_id", StringComparison.Ordinal) ? stem[..^3]
            : stem.EndsWith('s') ? stem[..^1]
            : stem;
        Stem = stem.ToString();
        var n = name.AsSpan();
        IsIdName = n.EndsWith("id", StringComparison.OrdinalIgnoreCase) || n.EndsWith("ids", StringComparison.OrdinalIgnoreCase)
            || n.Contains("number", StringComparison.OrdinalIgnoreCase) || n.Contains("code", StringComparison.OrdinalIgnoreCase)
            || n.Contains("zip", StringComparison.OrdinalIgnoreCase) || n.Contains("phone", StringComparison.OrdinalIgnoreCase);
        var alternates = new List<string>();
        for (var i = name.IndexOf('_', StringComparison.Ordinal); IsIdName && i >= 0; i = name.IndexOf('_', i + 1))
        {
            if (name.Length - i - 1 >= 2)
            {
                alternates.Add(Quote(name.AsSpan(i + 1)));
            }
        }

        AlternateKeys = [.. alternates];
    }

    public string Name { get; }

    private static string Quote(ReadOnlySpan<char> name)
    {
        var key = new StringBuilder(name.Length + 2).Append('"');
        SimJson.AppendJsonEscaped(key, name);
        return key.Append('"').ToString();
    }

    /// <summary>The name as a JSON string, quotes included: written as the key and searched for in tool results.</summary>
    public string JsonKey { get; }

    /// <summary><c>user</c> for <c>user_id</c>, <c>item</c> for <c>item_ids</c>: tokens that start with it fit best.</summary>
    public string Stem { get; }

    /// <summary>
    /// For an id name, the keys of its shorter suffixes (<c>"item_id"</c> and <c>"id"</c> for <c>new_item_id</c>):
    /// searched when the conversation has no field of the full name.
    /// </summary>
    public string[] AlternateKeys { get; }

    /// <summary>Whether the name asks for an identifier (so an id-like token of the conversation fits).</summary>
    public bool IsIdName { get; }

    public bool Required { get; }

    public Tau2ArgType Type { get; set; }

    /// <summary>The allowed values as JSON literals, or null.</summary>
    public string[]? Enum { get; set; }

    /// <summary>For an array: its items (named after the array's singular, <c>item_id</c> for <c>item_ids</c>).</summary>
    public Tau2Arg? Items { get; set; }

    /// <summary>For an object: its fields.</summary>
    public Tau2Arg[] Properties { get; set; } = [];
}

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

/// <summary>
/// Valid calls of a request's tools: picks a tool (read tools first) and fills its arguments by type, taking string
/// values from the conversation when it has them: the same field in earlier tool results, else an id-like token of
/// the messages of <see cref="TokenRole"/> (and of <see cref="Extra"/>), else the same field in earlier calls'
/// arguments, else a made-up value shaped by the argument's name.
/// </summary>
internal readonly struct Tau2ToolCaller(IReadOnlyList<ChatMessage> messages, string tokenRole, ReadOnlyMemory<char> extra)
{
    /// <summary>Probability of writing an optional argument.</summary>
    public const double OptionalProbability = 0.3;

    /// <summary>Probability of taking a string from a same-named field of the conversation's JSON when there is one.</summary>
    public const double FieldProbability = 0.95;

    /// <summary>Probability of taking an id-like token of the customer's words when there is a fitting one.</summary>
    public const double TokenProbability = 0.9;

    private const int MaxCandidates = 16;
    private const int MaxDepth = 4;

    public IReadOnlyList<ChatMessage> Messages { get; } = messages;

    /// <summary>The role whose messages hold the customer's words (<c>user</c> for the agent, <c>user</c> + the scenario for the customer).</summary>
    public string TokenRole { get; } = tokenRole;

    public ReadOnlyMemory<char> Extra { get; } = extra;

    /// <summary>
    /// A tool of <paramref name="tools"/>: read tools weigh more before <paramref name="callsSoFar"/> reaches two,
    /// transfers weigh little.
    /// </summary>
    public static ToolDefinition PickTool(IReadOnlyList<ToolDefinition> tools, int callsSoFar, ref SimRandom rng)
    {
        var early = callsSoFar < 2;
        var total = 0.0;
        foreach (var t in tools)
        {
            total += Weight(t.Name, early);
        }

        var x = rng.NextDouble() * total;
        foreach (var t in tools)
        {
            x -= Weight(t.Name, early);
            if (x < 0)
            {
                return t;
            }
        }

        return tools[^1];
    }

    private static double Weight(string name, bool early) =>
        Tau2SimPrompt.IsTransferTool(name) ? (early ? 0.05 : 0.1) : Tau2SimPrompt.IsReadTool(name) ? (early ? 4 : 1.5) : (early ? 1 : 1.5);

    /// <summary>A call of <paramref name="tool"/> with every required argument and some optional ones, id from the random stream.</summary>
    public ToolCall Call(ToolDefinition tool, ref SimRandom rng)
    {
        var args = Tau2ToolSchema.Of(tool);
        var sb = SimText.Rent();
        AppendObject(sb, args, ref rng, 0);
        var json = SimText.ToStringAndReturn(sb);
        return new ToolCall("call_" + rng.NextUInt64().ToString("x16", CultureInfo.InvariantCulture), tool.Name, json);
    }

    private void AppendObject(StringBuilder sb, Tau2Arg[] fields, ref SimRandom rng, int depth)
    {
        sb.Append('{');
        var first = true;
        foreach (var f in fields)
        {
            if (!f.Required && !rng.Chance(OptionalProbability))
            {
                continue;
            }

            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            sb.Append(f.JsonKey).Append(':');
            AppendValue(sb, f, ref rng, depth + 1);
        }

        sb.Append('}');
    }

    private void AppendValue(StringBuilder sb, Tau2Arg arg, ref SimRandom rng, int depth)
    {
        if (arg.Enum is { } values)
        {
            sb.Append(rng.Pick(values));
            return;
        }

        switch (arg.Type)
        {
            case Tau2ArgType.Boolean:
                sb.Append(rng.Chance(0.5) ? "true" : "false");
                break;
            case Tau2ArgType.Integer:
            case Tau2ArgType.Number:
                AppendNumber(sb, arg, ref rng);
                break;
            case Tau2ArgType.Array:
                sb.Append('[');
                if (depth < MaxDepth)
                {
                    var count = rng.Chance(0.7) ? 1 : 2;
                    for (var i = 0; i < count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(',');
                        }

                        AppendValue(sb, arg.Items ?? arg, ref rng, depth + 1);
                    }
                }

                sb.Append(']');
                break;
            case Tau2ArgType.Object:
                AppendObject(sb, depth < MaxDepth ? arg.Properties : [], ref rng, depth);
                break;
            default:
                sb.Append('"');
                AppendString(sb, arg, ref rng);
                sb.Append('"');
                break;
        }
    }

    private void AppendNumber(StringBuilder sb, Tau2Arg arg, ref SimRandom rng)
    {
        var inCalls = false;
        var found = Fields(arg.JsonKey, wantString: false, inCalls, -1, out _, out _, out _);
        if (found == 0)
        {
            inCalls = true;
            found = Fields(arg.JsonKey, wantString: false, inCalls, -1, out _, out _, out _);
        }

        if (found > 0 && rng.Chance(0.7)
            && Fields(arg.JsonKey, wantString: false, inCalls, rng.Next(found), out var source, out var start, out var length) > 0
            && (arg.Type == Tau2ArgType.Number || IsInteger(source.AsSpan(start, length))))
        {
            sb.Append(source.AsSpan(start, length));
            return;
        }

        sb.Append(arg.Type == Tau2ArgType.Integer ? 1 + rng.Next(5) : 5 + rng.Next(500));
        if (arg.Type == Tau2ArgType.Number && rng.Chance(0.5))
        {
            sb.Append('.').Append(rng.Next(10));
        }
    }

    private static bool IsInteger(ReadOnlySpan<char> literal) => !literal.ContainsAny('.', 'e', 'E');

    /// <summary>
    /// A string value, from (in this order) the same field in tool results (or a shorter id suffix of it), an
    /// id-like token of the customer's words (for an id name; else only one that starts with the name's stem), the
    /// same field in earlier calls' arguments, or made up. Tool results before earlier arguments, so that a made-up
    /// value does not keep coming back.
    /// </summary>
    private void AppendString(StringBuilder sb, Tau2Arg arg, ref SimRandom rng)
    {
        var key = arg.JsonKey;
        var found = Fields(key, wantString: true, inCalls: false, -1, out _, out _, out _);
        for (var i = 0; found == 0 && i < arg.AlternateKeys.Length; i++)
        {
            key = arg.AlternateKeys[i];
            found = Fields(key, wantString: true, inCalls: false, -1, out _, out _, out _);
        }

        if (found > 0 && rng.Chance(FieldProbability))
        {
            Fields(key, wantString: true, inCalls: false, rng.Next(found), out var source, out var start, out var length);
            sb.Append(source.AsSpan(start, length)); // raw JSON string content: already escaped
            return;
        }

        var stem = arg.Stem;
        var preferred = Tokens(stem, -1, out _, out _, out _);
        var all = arg.IsIdName ? Tokens(null, -1, out _, out _, out _) : preferred;
        if (all > 0 && rng.Chance(TokenProbability))
        {
            var usePreferred = preferred > 0 && (!arg.IsIdName || rng.Chance(0.85));
            Tokens(usePreferred ? stem : null, rng.Next(usePreferred ? preferred : all), out var text, out var start, out var length);
            sb.Append(text.Span.Slice(start, length)); // letters, digits, _ # -: nothing to escape
            return;
        }

        found = Fields(arg.JsonKey, wantString: true, inCalls: true, -1, out _, out _, out _);
        if (found > 0 && rng.Chance(0.8))
        {
            Fields(arg.JsonKey, wantString: true, inCalls: true, rng.Next(found), out var source, out var start, out var length);
            sb.Append(source.AsSpan(start, length));
            return;
        }

        Tau2SimPrompt.AppendMadeUpString(sb, arg.Name, stem, ref rng);
    }

    /// <summary>
    /// Counts (up to <see cref="MaxCandidates"/>) the values of field <paramref name="key"/> in tool results (or, with
    /// <paramref name="inCalls"/>, in the arguments of earlier tool calls), newest first; with
    /// <paramref name="target"/> &gt;= 0 stops at that one and returns where it is.
    /// </summary>
    private int Fields(string key, bool wantString, bool inCalls, int target, out string source, out int start, out int length)
    {
        var count = 0;
        for (var i = Messages.Count - 1; i >= 0 && count < MaxCandidates; i--)
        {
            var m = Messages[i];
            if (!inCalls && m is { Role: "tool", Content: { } content } && Scan(content, key, wantString, target, ref count, out start, out length))
            {
                source = content;
                return count;
            }

            if (inCalls && m.ToolCalls is { Count: > 0 } calls)
            {
                foreach (var call in calls)
                {
                    if (Scan(call.ArgumentsJson, key, wantString, target, ref count, out start, out length))
                    {
                        source = call.ArgumentsJson;
                        return count;
                    }
                }
            }
        }

        (source, start, length) = (string.Empty, 0, 0);
        return count;
    }

    /// <summary>True when it found the <paramref name="target"/>-th value or reached <see cref="MaxCandidates"/>.</summary>
    private static bool Scan(string text, string key, bool wantString, int target, ref int count, out int start, out int length)
    {
        var pos = 0;
        while (count < MaxCandidates && Tau2SimPrompt.NextField(text, key, ref pos, out start, out length, out var isString))
        {
            if (isString != wantString || (isString && length == 0))
            {
                continue;
            }

            if (count++ == target)
            {
                return true;
            }
        }

        (start, length) = (0, 0);
        return false;
    }

    /// <summary>
    /// Counts (up to <see cref="MaxCandidates"/>) the id-like tokens of the customer's words, newest message first,
    /// then <see cref="Extra"/>; only those that start with <paramref name="stem"/> when it is given.
    /// </summary>
    private int Tokens(string? stem, int target, out ReadOnlyMemory<char> text, out int start, out int length)
    {
        var count = 0;
        for (var i = Messages.Count - 1; i >= 0 && count < MaxCandidates; i--)
        {
            if (Messages[i].Role == TokenRole && Messages[i].Content is { } content
                && ScanTokens(content.AsMemory(), stem, target, ref count, out start, out length))
            {
                text = content.AsMemory();
                return count;
            }
        }

        if (count < MaxCandidates && ScanTokens(Extra, stem, target, ref count, out start, out length))
        {
            text = Extra;
            return count;
        }

        (text, start, length) = (ReadOnlyMemory<char>.Empty, 0, 0);
        return count;
    }

    private static bool ScanTokens(ReadOnlyMemory<char> memory, string? stem, int target, ref int count, out int start, out int length)
    {
        var span = memory.Span;
        var pos = 0;
        while (count < MaxCandidates && Tau2SimPrompt.NextIdToken(span, ref pos, out start, out length))
        {
            if (stem is not null && !Tau2SimPrompt.HasStem(span.Slice(start, length), stem))
            {
                continue;
            }

            if (count++ == target)
            {
                return true;
            }
        }

        (start, length) = (0, 0);
        return false;
    }

    /// <summary>
    /// Appends a sentence that quotes the tool result <paramref name="result"/>: one of its <c>"key": "value"</c>
    /// pairs, its error, or the whole text when it is short. False when there is nothing to quote.
    /// </summary>
    public static bool AppendQuote(StringBuilder sb, string result, ref SimRandom rng)
    {
        var text = result.AsSpan().Trim();
        if (text.IsEmpty)
        {
            return false;
        }

        if (text.StartsWith("Error:", StringComparison.Ordinal))
        {
            var error = text["Error:".Length..].Trim();
            sb.Append("I ran into a problem: ").Append(error[..Math.Min(error.Length, 120)]).Append('.');
            return true;
        }

        var count = 0;
        var pos = 0;
        while (count < 32 && Tau2SimPrompt.NextStringPair(text, ref pos, out _, out _))
        {
            count++;
        }

        if (count > 0)
        {
            var target = rng.Next(count);
            pos = 0;
            Range key = default, value = default;
            for (var i = 0; i <= target; i++)
            {
                Tau2SimPrompt.NextStringPair(text, ref pos, out key, out value);
            }

            sb.Append(rng.Chance(0.5) ? "I can see that the " : "According to our records, the ");
            foreach (var c in text[key])
            {
                sb.Append(c == '_' ? ' ' : c);
            }

            sb.Append(" is ").Append(text[value]).Append('.');
            return true;
        }

        if (text.Length <= 120 && text[0] is not '{' and not '[')
        {
            sb.Append("The system says: ").Append(text).Append('.');
            return true;
        }

        return false;
    }
}
