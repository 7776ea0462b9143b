using System.Globalization;

namespace Matrix.Engine.Settings;

/// <summary>
/// The effective value of every declared key for one run, with where each came from (default, a YAML
/// file and line, <c>--set</c>, or a command-line flag). Later sources override earlier ones.
/// </summary>
public sealed class RunSettings
{
    private readonly Dictionary<string, (object? Value, string Source)> _values = new(StringComparer.Ordinal);

    private int _schemaVersion = -1;

    public RunSettings(SettingsSchema schema)
    {
        Schema = schema ?? throw new ArgumentNullException(nameof(schema));
        AddDefaults();
    }

    public SettingsSchema Schema { get; }

    /// <summary>Sets <paramref name="key"/> from text, checking it; <paramref name="source"/> names the origin in errors.</summary>
    public void Set(string key, string? raw, string source)
    {
        var value = Schema.Parse(key, raw, source);
        AddDefaults(); // the key may have declared a family member's keys (llm.pools.<name>.*)
        _values[key] = (value, source);
    }

    /// <summary>Declares family member <paramref name="name"/> (e.g. the pool <c>default</c>) and gives its keys their defaults.</summary>
    public void DeclareMember(string prefix, string name)
    {
        Schema.DeclareMember(prefix, name);
        AddDefaults();
    }

    /// <summary>Where the value of <paramref name="key"/> came from: <c>default</c>, a file and line, <c>--set</c>, a flag.</summary>
    public string SourceOf(string key) =>
        _values.TryGetValue(key, out var v) ? v.Source : throw new InvalidOperationException($"Setting '{key}' was never declared.");

    public int GetInt(string key) => (int)Get(key)!;

    public long GetLong(string key) => (long)Get(key)!;

    public double GetDouble(string key) => (double)Get(key)!;

    public bool GetBool(string key) => (bool)Get(key)!;

    public string? GetString(string key) => (string?)Get(key);

    public IReadOnlyList<string> GetList(string key) => (string[]?)Get(key) ?? [];

    public object? Get(string key) =>
        _values.TryGetValue(key, out var v) ? v.Value : throw new InvalidOperationException($"Setting '{key}' was never declared.");

    /// <summary>The effective configuration as plain values (for the manifest), in key order.</summary>
    public SortedDictionary<string, object?> ToDictionary()
    {
        var result = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, (value, _)) in _values)
        {
            result[key] = value;
        }

        return result;
    }

    private void AddDefaults()
    {
        if (_schemaVersion == Schema.Version)
        {
            return;
        }

        foreach (var def in Schema.Definitions)
        {
            if (!_values.ContainsKey(def.Key))
            {
                _values[def.Key] = (Schema.Parse(def.Key, def.Default, "default"), "default");
            }
        }

        _schemaVersion = Schema.Version;
    }

    public override string ToString() =>
        string.Join(", ", ToDictionary().Select(kv => $"{kv.Key}={Convert.ToString(kv.Value, CultureInfo.InvariantCulture)}"));
}
