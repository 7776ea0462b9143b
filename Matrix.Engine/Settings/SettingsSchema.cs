using System.Globalization;
using System.Text.Json;

namespace Matrix.Engine.Settings;

/// <summary>
/// The set of keys a run accepts. The engine declares its own, each scenario declares its own under
/// its name (<c>NAME.max_turns</c>), and anything else is rejected with the key and where it came from.
/// </summary>
public sealed class SettingsSchema
{
    private readonly SortedDictionary<string, SettingDefinition> _definitions = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, Action<SettingsSchema, string> Declare)> _families = [];
    private readonly HashSet<string> _declaredMembers = new(StringComparer.Ordinal);

    public IEnumerable<SettingDefinition> Definitions => _definitions.Values;

    /// <summary>Grows whenever a key is declared, so that <see cref="RunSettings"/> can give late keys their defaults.</summary>
    public int Version { get; private set; }

    /// <summary>
    /// A family of keys under a name the user chooses (<c>llm.pools.&lt;name&gt;.urls</c>): the first key seen under
    /// <c>prefix + name + "."</c> calls <paramref name="declare"/> with the name, which declares that member's keys.
    /// </summary>
    public SettingsSchema Family(string prefix, Action<SettingsSchema, string> declare)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        ArgumentNullException.ThrowIfNull(declare);
        _families.Add((prefix, declare));
        return this;
    }

    /// <summary>Declares the keys of family member <paramref name="name"/> under <paramref name="prefix"/> (once).</summary>
    public void DeclareMember(string prefix, string name)
    {
        foreach (var (p, declare) in _families)
        {
            if (p == prefix && _declaredMembers.Add(prefix + name))
            {
                declare(this, name);
            }
        }
    }

    /// <summary>The names of the members of the family under <paramref name="prefix"/> declared so far.</summary>
    public IReadOnlyList<string> MembersOf(string prefix) =>
        [.. _declaredMembers.Where(m => m.StartsWith(prefix, StringComparison.Ordinal)).Select(m => m[prefix.Length..]).Order(StringComparer.Ordinal)];

    public SettingsSchema Add(SettingDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (!_definitions.TryAdd(definition.Key, definition))
        {
            throw new InvalidOperationException($"Setting '{definition.Key}' is declared twice.");
        }

        Version++;
        return this;
    }

    public SettingsSchema Int(string key, int defaultValue, string help, int min = int.MinValue, int max = int.MaxValue) =>
        Add(new SettingDefinition(key, SettingType.Int, defaultValue.ToString(CultureInfo.InvariantCulture), help) { Min = min, Max = max });

    public SettingsSchema Long(string key, long defaultValue, string help, long min = long.MinValue, long max = long.MaxValue) =>
        Add(new SettingDefinition(key, SettingType.Long, defaultValue.ToString(CultureInfo.InvariantCulture), help) { Min = min, Max = max });

    public SettingsSchema Double(string key, double defaultValue, string help, double min = double.MinValue, double max = double.MaxValue) =>
        Add(new SettingDefinition(key, SettingType.Double, defaultValue.ToString("R", CultureInfo.InvariantCulture), help) { Min = min, Max = max });

    public SettingsSchema Bool(string key, bool defaultValue, string help) =>
        Add(new SettingDefinition(key, SettingType.Bool, defaultValue ? "true" : "false", help));

    public SettingsSchema String(string key, string? defaultValue, string help, params string[] choices) =>
        Add(new SettingDefinition(key, SettingType.String, defaultValue, help) { Choices = choices.Length == 0 ? null : choices });

    public SettingsSchema List(string key, string? defaultValue, string help) =>
        Add(new SettingDefinition(key, SettingType.StringList, defaultValue, help));

    public SettingsSchema Json(string key, string help) =>
        Add(new SettingDefinition(key, SettingType.JsonObject, null, help));

    public bool TryGet(string key, out SettingDefinition definition)
    {
        if (_definitions.TryGetValue(key, out definition!))
        {
            return true;
        }

        DeclareFamilyMemberOf(key);
        return _definitions.TryGetValue(key, out definition!);
    }

    /// <summary>Checks <paramref name="raw"/> against the key's type and bounds; throws <see cref="SettingsException"/> naming <paramref name="source"/>.</summary>
    public object? Parse(string key, string? raw, string source)
    {
        if (!TryGet(key, out var def))
        {
            var hint = Suggest(key);
            throw new SettingsException($"{source}: unknown setting '{key}'{hint} (matrix run --help-settings lists them)");
        }

        if (raw is null)
        {
            return null;
        }

        string Bad(string expected) => $"{source}: setting '{key}' expects {expected}, got '{raw}'";
        switch (def.Type)
        {
            case SettingType.Int:
                if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
                {
                    throw new SettingsException(Bad("a whole number"));
                }

                CheckRange(def, i, source);
                return i;
            case SettingType.Long:
                if (!long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
                {
                    throw new SettingsException(Bad("a whole number"));
                }

                CheckRange(def, l, source);
                return l;
            case SettingType.Double:
                if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || !double.IsFinite(d))
                {
                    throw new SettingsException(Bad("a number"));
                }

                CheckRange(def, d, source);
                return d;
            case SettingType.Bool:
                return raw.ToLowerInvariant() switch
                {
                    "true" or "yes" or "on" or "1" => true,
                    "false" or "no" or "off" or "0" => false,
                    _ => throw new SettingsException(Bad("true or false")),
                };
            case SettingType.StringList:
                return raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            case SettingType.JsonObject:
                return ParseJsonObject(raw, Bad);
            default:
                if (def.Choices is { } choices && !choices.Contains(raw, StringComparer.Ordinal))
                {
                    throw new SettingsException(Bad("one of " + string.Join(", ", choices)));
                }

                return raw;
        }
    }

    private static string ParseJsonObject(string raw, Func<string, string> bad)
    {
        try
        {
            using var doc = JsonDocument.Parse(raw);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                ? JsonSerializer.Serialize(doc.RootElement)
                : throw new SettingsException(bad("a JSON object such as {\"top_k\": 20}"));
        }
        catch (JsonException e)
        {
            throw new SettingsException(bad($"a JSON object ({e.Message})"));
        }
    }

    private void DeclareFamilyMemberOf(string key)
    {
        foreach (var (prefix, _) in _families)
        {
            if (key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.Ordinal))
            {
                var dot = key.IndexOf('.', prefix.Length);
                if (dot > prefix.Length)
                {
                    DeclareMember(prefix, key[prefix.Length..dot]);
                }
            }
        }
    }

    private static void CheckRange(SettingDefinition def, double value, string source)
    {
        if (value < def.Min || value > def.Max)
        {
            var range = (def.Min, def.Max) switch
            {
                ({ } min, { } max) when max < long.MaxValue / 2 => $"between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}",
                ({ } min, _) => $"at least {min.ToString(CultureInfo.InvariantCulture)}",
                _ => "in range",
            };
            throw new SettingsException($"{source}: setting '{def.Key}' must be {range}, got {value.ToString(CultureInfo.InvariantCulture)}");
        }
    }

    private string Suggest(string key)
    {
        var best = _definitions.Keys
            .Select(k => (k, d: Distance(k, key)))
            .Where(x => x.d <= Math.Max(2, key.Length / 4))
            .OrderBy(x => x.d)
            .Select(x => x.k)
            .FirstOrDefault();
        return best is null ? string.Empty : $" (did you mean '{best}'?)";
    }

    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (prev, cur) = (cur, prev);
        }

        return prev[b.Length];
    }
}
