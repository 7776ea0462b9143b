using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Data;

/// <summary>
/// What a tau2 domain brings in C#: its tools (tau2-bench's <c>src/tau2/domains/&lt;domain&gt;/tools.py</c>), how its
/// files become a database, and which files hold policy and tasks. One subclass per domain; stateless.
/// </summary>
internal abstract class Tau2DomainDefinition
{
    /// <summary>The domain's name (<c>mock</c>, <c>retail</c>, <c>airline</c>): the <c>domain</c> column.</summary>
    public abstract string Name { get; }

    /// <summary>The assistant's tools and the functions tasks may call on the agent side.</summary>
    public abstract ToolKit AssistantTools { get; }

    /// <summary>The user's tools, for domains where the user acts too (mock's notifications); null otherwise.</summary>
    public virtual ToolKit? UserTools => null;

    /// <summary>Whether a folder holds this domain's data (used when neither the folder name nor <c>tau2.domain</c> says).</summary>
    public abstract bool Recognizes(string folder);

    /// <summary>
    /// The agent database as tau2's model would dump it: fields in the model's declared order, optional fields
    /// present, floats as floats. Throws <see cref="Matrix.Engine.Scenarios.InputException"/> for a missing file.
    /// </summary>
    public abstract JsonObject LoadDatabase(string folder);

    /// <summary>The user database, for domains with user tools.</summary>
    public virtual JsonObject? LoadUserDatabase(string folder) => null;

    public virtual string PolicyFile => "policy.md";

    public virtual string TasksFile => "tasks.json";

    /// <summary>Reads a JSON object file of the domain folder, with a clear error when it is missing or malformed.</summary>
    protected static JsonObject ReadObject(string folder, string file)
    {
        var path = Path.Combine(folder, file);
        if (!File.Exists(path))
        {
            throw new Matrix.Engine.Scenarios.InputException($"tau2 domain folder '{folder}' has no {file}");
        }

        try
        {
            using var stream = File.OpenRead(path);
            return JsonNode.Parse(stream) as JsonObject ?? throw new Matrix.Engine.Scenarios.InputException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new Matrix.Engine.Scenarios.InputException($"{path}:{e.LineNumber + 1}: {e.Message}");
        }
    }

    /// <summary>
    /// The top-level keys of the folder's <c>db.json</c>, each with whether its value is an object (a table), read as
    /// a stream without building a tree (the file can be large, and <see cref="Recognizes"/> runs on every domain);
    /// null when there is no <c>db.json</c> or it is not a JSON object.
    /// </summary>
    protected static IReadOnlyDictionary<string, bool>? DbJsonKeys(string folder)
    {
        var path = Path.Combine(folder, "db.json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            ReadOnlySpan<byte> bytes = File.ReadAllBytes(path);
            if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                bytes = bytes[3..];
            }

            // Default options, as ReadObject's parse: a file it would refuse is not recognized either.
            var reader = new Utf8JsonReader(bytes);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var keys = new Dictionary<string, bool>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                keys[name] = reader.TokenType == JsonTokenType.StartObject || keys.GetValueOrDefault(name);
                reader.Skip();
            }

            return keys;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
