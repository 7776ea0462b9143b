using System.Globalization;

namespace Matrix.Engine.Settings;

/// <summary>
/// The effective value of every declared key for one run, with where each came from (default, a YAML
/// file and line, <c>--set</c>, or a command-line flag). Later sources override earlier ones.
/// </summary>
public sealed class RunSettings
{
    private readonly Dictionary<string, (object? Value, string Source)> _values = new(StringComparer.Ordinal);

    public RunSettings(SettingsSchema schema)
    {
        Schema = schema ?? throw new ArgumentNullException(nameof(schema));
        foreach (var def in schema.Definitions)
        {
            _values[def.Key] = (schema.Parse(def.Key, def.Default, "default"), "default");
        }
    }

    public SettingsSchema Schema { get; }

    /// <summary>Sets <paramref name="key"/> from text, checking it; <paramref name="source"/> names the origin in errors.</summary>
    public void Set(string key, string? raw, string source) => _values[key] = (Schema.Parse(key, raw, source), source);

    public bool IsSet(string key) => _values.TryGetValue(key, out var v) && v.Source != "default";

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

    public override string ToString() =>
        string.Join(", ", ToDictionary().Select(kv => $"{kv.Key}={Convert.ToString(kv.Value, CultureInfo.InvariantCulture)}"));
}
