using System.Text;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Tau2.Sim;

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
