using System.Text.Json;
using Fluid;
using Fluid.Values;
using Matrix.Engine.Settings;

namespace Matrix.Scenarios.Generate;

/// <summary>
/// A Liquid template (Fluid) over an input row's fields: <c>{{ text }}</c>, <c>{{ meta.lang | upcase }}</c>,
/// <c>{% for c in choices %}…{% endfor %}</c>. Compiled once per run; rendering is thread-safe.
/// </summary>
internal sealed class PromptTemplate
{
    private static readonly FluidParser Parser = new();
    private static readonly TemplateOptions Options = new();

    private readonly IFluidTemplate _template;

    private PromptTemplate(string source, IFluidTemplate template)
    {
        Source = source;
        _template = template;
    }

    public string Source { get; }

    /// <summary>Compiles <paramref name="source"/>; a syntax error is a <see cref="SettingsException"/> naming <paramref name="key"/>.</summary>
    public static PromptTemplate Compile(string key, string source)
    {
        if (!Parser.TryParse(source, out var template, out var error))
        {
            // Fluid adds the source after its message: one line is enough, it says where.
            var first = error.Split('\n', 2)[0].Trim();
            throw new SettingsException($"{key}: the template does not parse: {first}");
        }

        return new PromptTemplate(source, template);
    }

    /// <summary>
    /// The text for one row. A field the template names that the row lacks throws <see cref="InvalidDataException"/>
    /// (the task fails alone), rather than render as an empty string into a prompt nobody would want.
    /// </summary>
    public string Render(JsonElement row)
    {
        var missing = new List<string>();
        var context = new TemplateContext(Options) { Undefined = name => { missing.Add(name); return ValueTask.FromResult<FluidValue>(NilValue.Instance); } };
        foreach (var field in row.EnumerateObject())
        {
            context.SetValue(field.Name, ToValue(field.Value));
        }

        var text = _template.Render(context);
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"the row has no field '{missing[0]}' that the template uses");
        }

        return text;
    }

    private static object? ToValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => ToValue(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => value.EnumerateArray().Select(ToValue).ToList(),
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetDecimal(out var d) ? d : value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
