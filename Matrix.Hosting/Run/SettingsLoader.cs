using System.Globalization;
using System.Text;
using System.Text.Json;
using Matrix.Engine.Settings;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Matrix.Hosting.Run;

/// <summary>
/// Fills <see cref="RunSettings"/> from a YAML file, then <c>--set key=value</c> items, then the
/// command-line flags, each later source overriding the earlier. Every mistake names its origin
/// (file and line, or the flag) and is a <see cref="SettingsException"/>.
/// </summary>
internal static class SettingsLoader
{
    public static void ApplyYaml(RunSettings settings, string path)
    {
        if (!File.Exists(path))
        {
            throw new SettingsException($"--config: file '{path}' does not exist");
        }

        var yaml = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            yaml.Load(reader);
        }
        catch (YamlException e)
        {
            throw new SettingsException($"{path}:{e.Start.Line}:{e.Start.Column}: malformed YAML: {FirstLine(e.InnerException?.Message ?? e.Message)}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's parser throws this, without a position, when the file ends inside a collection.
            throw new SettingsException($"{path}: malformed YAML: the file ends inside an unclosed [list] or {{mapping}}");
        }

        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return;
        }

        if (yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new SettingsException($"{path}:{yaml.Documents[0].RootNode.Start.Line}: expected a mapping of settings (key: value) at the top level");
        }

        Flatten(settings, path, root, prefix: null);
    }

    public static void ApplySets(RunSettings settings, IEnumerable<string> items)
    {
        foreach (var item in items)
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new SettingsException($"--set: expected key=value, got '{item}'");
            }

            var key = item[..eq].Trim();
            settings.Set(key, item[(eq + 1)..].Trim(), $"--set {key}");
        }
    }

    /// <summary>Applies a flag's value when the flag was given.</summary>
    public static void ApplyFlag(RunSettings settings, string key, string? value, string flag)
    {
        if (value is not null)
        {
            settings.Set(key, value, flag);
        }
    }

    private static void Flatten(RunSettings settings, string path, YamlMappingNode mapping, string? prefix)
    {
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var name = (keyNode as YamlScalarNode)?.Value
                ?? throw new SettingsException($"{path}:{keyNode.Start.Line}: a setting name must be plain text");
            var key = prefix is null ? name : $"{prefix}.{name}";
            var source = $"{path}:{keyNode.Start.Line}";
            switch (valueNode)
            {
                case YamlMappingNode json when settings.Schema.TryGet(key, out var def) && def.Type == SettingType.JsonObject:
                    settings.Set(key, ToJson(json, path), source);
                    break;
                case YamlMappingNode nested:
                    Flatten(settings, path, nested, key);
                    break;
                case YamlSequenceNode sequence:
                    var items = sequence.Children.Select(c => (c as YamlScalarNode)?.Value
                        ?? throw new SettingsException($"{path}:{c.Start.Line}: list '{key}' may hold plain values only"));
                    settings.Set(key, string.Join(',', items), source);
                    break;
                case YamlScalarNode scalar:
                    var isNull = scalar.Style == ScalarStyle.Plain && scalar.Value is null or "~" or "null" or "";
                    settings.Set(key, isNull ? null : scalar.Value, source);
                    break;
                default:
                    throw new SettingsException($"{source}: unsupported value for '{key}'");
            }
        }
    }

    /// <summary>A YAML mapping as JSON text (<c>extra_body</c>): plain scalars that read as numbers, booleans or null keep that type.</summary>
    private static string ToJson(YamlNode node, string path)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteJson(w, node, path);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteJson(Utf8JsonWriter w, YamlNode node, string path)
    {
        switch (node)
        {
            case YamlMappingNode map:
                w.WriteStartObject();
                foreach (var (k, v) in map.Children)
                {
                    w.WritePropertyName((k as YamlScalarNode)?.Value ?? throw new SettingsException($"{path}:{k.Start.Line}: a key must be plain text"));
                    WriteJson(w, v, path);
                }

                w.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                w.WriteStartArray();
                foreach (var item in seq.Children)
                {
                    WriteJson(w, item, path);
                }

                w.WriteEndArray();
                break;
            case YamlScalarNode { Style: ScalarStyle.Plain } plain:
                var text = plain.Value ?? string.Empty;
                if (text is "" or "~" or "null")
                {
                    w.WriteNullValue();
                }
                else if (text is "true" or "false")
                {
                    w.WriteBooleanValue(text == "true");
                }
                else if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
                {
                    w.WriteNumberValue(l);
                }
                else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
                {
                    w.WriteNumberValue(d);
                }
                else
                {
                    w.WriteStringValue(text);
                }

                break;
            case YamlScalarNode quoted:
                w.WriteStringValue(quoted.Value);
                break;
            default:
                throw new SettingsException($"{path}:{node.Start.Line}: unsupported value");
        }
    }

    private static string FirstLine(string text)
    {
        var nl = text.IndexOf('\n', StringComparison.Ordinal);
        return nl < 0 ? text : text[..nl];
    }
}
