using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Json;

namespace Matrix.Scenarios.Tau2.Env;

/// <summary>
/// One task's own copy of a domain database, as an overlay on the shared <see cref="DomainDatabase"/>: an entity a
/// tool changes is cloned into the overlay first, so a task costs memory only for what it changed. The overlay
/// round-trips through <see cref="Export"/> (table, key → Python JSON text), which is how a task carries its
/// database in its orchestrator from rank to rank: agents stay stateless.
/// </summary>
internal sealed class TaskDatabase
{
    private const char Separator = '\u001f';

    private readonly DomainDatabase _base;
    private readonly Dictionary<string, Dictionary<string, JsonObject>> _changed = new(StringComparer.Ordinal);

    /// <summary>Keys of entities added to a table (not in the base), in insertion order, per table.</summary>
    private readonly Dictionary<string, List<string>> _added = new(StringComparer.Ordinal);

    public TaskDatabase(DomainDatabase baseDatabase, IReadOnlyDictionary<string, string>? changes = null)
    {
        _base = baseDatabase ?? throw new ArgumentNullException(nameof(baseDatabase));
        if (changes is null)
        {
            return;
        }

        // Sorted by the insertion sequence kept in the key prefix so that added entities keep their order.
        foreach (var (compound, json) in changes.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var parts = compound.Split(Separator);
            if (parts.Length != 3)
            {
                throw new InvalidOperationException($"malformed database change key '{compound}'");
            }

            Store(parts[1], parts[2], (JsonObject)JsonNode.Parse(json)!);
        }
    }

    public bool HasTable(string table) => _base.HasTable(table);

    /// <summary>The entity as this task sees it, or null. Read only: call <see cref="Edit"/> to change it.</summary>
    public JsonObject? Find(string table, string key) =>
        _changed.TryGetValue(table, out var t) && t.TryGetValue(key, out var e) ? e : _base.Find(table, key);

    public bool Contains(string table, string key) => Find(table, key) is not null;

    /// <summary>The entity, cloned into this task's overlay so that changes stay with the task; null when absent.</summary>
    public JsonObject? Edit(string table, string key)
    {
        if (_changed.TryGetValue(table, out var t) && t.TryGetValue(key, out var mine))
        {
            return mine;
        }

        var shared = _base.Find(table, key);
        if (shared is null)
        {
            return null;
        }

        var copy = (JsonObject)shared.DeepClone();
        Store(table, key, copy);
        return copy;
    }

    /// <summary>Adds or replaces an entity.</summary>
    public void Put(string table, string key, JsonObject entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (!_base.HasTable(table))
        {
            throw new InvalidOperationException($"the {_base.Name} database has no table '{table}'");
        }

        Store(table, key, entity);
    }

    /// <summary>Entities of a table in order: the base's (as changed), then the added ones.</summary>
    public IEnumerable<KeyValuePair<string, JsonObject>> Entries(string table)
    {
        foreach (var (key, _) in _base.Table(table))
        {
            yield return new(key, Find(table, key)!);
        }

        if (_added.TryGetValue(table, out var added))
        {
            foreach (var key in added)
            {
                yield return new(key, _changed[table][key]);
            }
        }
    }

    public int Count(string table) => _base.Table(table).Count + (_added.TryGetValue(table, out var added) ? added.Count : 0);

    /// <summary>The overlay as (sequence, table, key) → Python JSON text; a fresh database from it equals this one.</summary>
    public Dictionary<string, string> Export()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var sequence = 0;
        foreach (var (table, entities) in _changed)
        {
            // Base entities first, then added ones in their order, so that a reload appends them in the same order.
            foreach (var (key, entity) in entities.Where(e => _base.Find(table, e.Key) is not null))
            {
                result[Compound(sequence++, table, key)] = PyJson.Dumps(entity);
            }

            if (_added.TryGetValue(table, out var added))
            {
                foreach (var key in added)
                {
                    result[Compound(sequence++, table, key)] = PyJson.Dumps(entities[key]);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Whether both databases hold the same data (tau2 compares hashes of the whole database): every entity either
    /// overlay touched must read the same in both, and both must have added the same keys.
    /// </summary>
    public bool SameAs(TaskDatabase other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var table in _changed.Keys.Concat(other._changed.Keys).Distinct(StringComparer.Ordinal))
        {
            if (Count(table) != other.Count(table))
            {
                return false;
            }

            var keys = new HashSet<string>(StringComparer.Ordinal);
            if (_changed.TryGetValue(table, out var mine))
            {
                keys.UnionWith(mine.Keys);
            }

            if (other._changed.TryGetValue(table, out var theirs))
            {
                keys.UnionWith(theirs.Keys);
            }

            foreach (var key in keys)
            {
                var a = Find(table, key);
                var b = other.Find(table, key);
                if (a is null || b is null || PyJson.Dumps(a) != PyJson.Dumps(b))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>tau2's <c>initialization_data</c>: merges nested objects into entities (new ones added); other values replace.</summary>
    public void Merge(JsonObject update)
    {
        ArgumentNullException.ThrowIfNull(update);
        foreach (var (table, value) in update)
        {
            if (value is not JsonObject entities || !_base.HasTable(table))
            {
                throw new InvalidOperationException($"initialization data for unknown table '{table}' of the {_base.Name} database");
            }

            foreach (var (key, entityUpdate) in entities)
            {
                if (entityUpdate is not JsonObject fields)
                {
                    continue;
                }

                var entity = Edit(table, key);
                if (entity is null)
                {
                    Put(table, key, (JsonObject)fields.DeepClone());
                }
                else
                {
                    MergeInto(entity, fields);
                }
            }
        }
    }

    private static void MergeInto(JsonObject target, JsonObject update)
    {
        foreach (var (name, value) in update)
        {
            if (value is JsonObject nested && target[name] is JsonObject existing)
            {
                MergeInto(existing, nested);
            }
            else
            {
                target[name] = value?.DeepClone();
            }
        }
    }

    private void Store(string table, string key, JsonObject entity)
    {
        if (!_changed.TryGetValue(table, out var t))
        {
            _changed[table] = t = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        }

        if (_base.Find(table, key) is null && !t.ContainsKey(key))
        {
            if (!_added.TryGetValue(table, out var added))
            {
                _added[table] = added = [];
            }

            if (!added.Contains(key))
            {
                added.Add(key);
            }
        }

        t[key] = entity;
    }

    private static string Compound(int sequence, string table, string key) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{sequence:D6}{Separator}{table}{Separator}{key}");
}
