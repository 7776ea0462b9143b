using System.Text;
using System.Text.Json;

namespace Matrix.Engine.Llm;

/// <summary>
/// Members merged at the top level of every chat completion request of a role (the <c>extra_body</c> of the
/// OpenAI SDKs): vLLM's <c>top_k</c>, <c>repetition_penalty</c>, <c>chat_template_kwargs</c>, <c>guided_json</c>...
/// Parsed once (<see cref="Parse"/>), then each request copies the members' raw UTF-8 JSON: nothing is parsed per call.
/// A member that names a field the client writes itself (e.g. <c>temperature</c>) replaces that field.
/// </summary>
public sealed class ExtraBody
{
    private readonly Dictionary<string, int> _index;

    private ExtraBody(string json, (string Name, byte[] Value)[] members)
    {
        Json = json;
        Members = members;
        _index = new Dictionary<string, int>(members.Length, StringComparer.Ordinal);
        for (var i = 0; i < members.Length; i++)
        {
            _index[members[i].Name] = i;
        }
    }

    /// <summary>The JSON object text it was parsed from.</summary>
    public string Json { get; }

    /// <summary>The members in their order, each value as raw UTF-8 JSON.</summary>
    internal (string Name, byte[] Value)[] Members { get; }

    public int Count => Members.Length;

    /// <summary>Whether a member named <paramref name="name"/> replaces the client's own field of that name.</summary>
    public bool Contains(string name) => _index.ContainsKey(name);

    /// <summary>The raw JSON text of the member <paramref name="name"/>, or null.</summary>
    public string? this[string name] => _index.TryGetValue(name, out var i) ? Encoding.UTF8.GetString(Members[i].Value) : null;

    /// <summary>
    /// Parses a JSON object; throws <see cref="FormatException"/> naming the problem when <paramref name="json"/> is not
    /// JSON, not an object, or repeats a member (a request must not carry duplicate keys).
    /// </summary>
    public static ExtraBody Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"extra_body is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"extra_body must be a JSON object, not {document.RootElement.ValueKind.ToString().ToLowerInvariant()}");
            }

            var members = new List<(string, byte[])>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var member in document.RootElement.EnumerateObject())
            {
                if (!names.Add(member.Name))
                {
                    throw new FormatException($"extra_body has the member '{member.Name}' twice");
                }

                members.Add((member.Name, Encoding.UTF8.GetBytes(member.Value.GetRawText())));
            }

            return new ExtraBody(json, [.. members]);
        }
    }

    public override string ToString() => Json;
}
