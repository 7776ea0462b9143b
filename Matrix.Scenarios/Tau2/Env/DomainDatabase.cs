using System.Text.Json.Nodes;

namespace Matrix.Scenarios.Tau2.Env;

/// <summary>
/// A domain's database as loaded from its files: named tables (the top-level objects of <c>db.json</c>, e.g.
/// <c>users</c>, <c>orders</c>) of entities keyed by id. Shared read-only by every task on a rank: a task never
/// writes here, it writes into its own <see cref="TaskDatabase"/> overlay. The tree is materialized completely at
/// load because <see cref="JsonObject"/> builds its dictionary lazily on first access, which is not thread-safe.
/// </summary>
internal sealed class DomainDatabase
{
    private readonly Dictionary<string, JsonObject> _tables;

    public DomainDatabase(string name, JsonObject root)
    {
        ArgumentNullException.ThrowIfNull(root);
        Name = name;
        _tables = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (table, value) in root)
        {
            if (value is JsonObject entities)
            {
                _tables[table] = entities;
            }
        }

        Materialize(root);
    }

    /// <summary><c>agent</c> or <c>user</c>: which side's tools work on it.</summary>
    public string Name { get; }

    public IEnumerable<string> Tables => _tables.Keys;

    public bool HasTable(string table) => _tables.ContainsKey(table);

    public JsonObject? Find(string table, string key) =>
        _tables.TryGetValue(table, out var entities) && entities.TryGetPropertyValue(key, out var e) ? e as JsonObject : null;

    public JsonObject Table(string table) =>
        _tables.TryGetValue(table, out var entities) ? entities : throw new InvalidOperationException($"the {Name} database has no table '{table}'");

    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, v) in o)
                {
                    Materialize(v);
                }

                break;
            case JsonArray a:
                foreach (var v in a)
                {
                    Materialize(v);
                }

                break;
        }
    }
}
