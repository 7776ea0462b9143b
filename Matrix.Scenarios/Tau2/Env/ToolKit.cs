using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Engine.Llm;
using Matrix.Scenarios.Tau2.Json;

namespace Matrix.Scenarios.Tau2.Env;

/// <summary>The text a tool call sends back to its caller, and whether it was an error.</summary>
internal readonly record struct ToolOutcome(string Content, bool IsError);

/// <summary>
/// The tools of one side (assistant or user) of a domain, plus its non-tool environment functions (tau2's
/// initialization actions and assertion functions, called by name from a task's data). Immutable after the
/// domain is built; shared by every task on a rank.
/// </summary>
internal sealed class ToolKit
{
    private readonly Dictionary<string, DomainTool> _tools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DomainTool> _functions = new(StringComparer.Ordinal);
    private IReadOnlyList<ToolDefinition>? _definitions;

    /// <param name="className">The Python class name (e.g. <c>RetailTools</c>), used in argument errors as Python words them.</param>
    public ToolKit(string className)
    {
        ClassName = className;
    }

    public string ClassName { get; }

    public IEnumerable<DomainTool> Tools => _tools.Values;

    public ToolKit Add(DomainTool tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        _tools.Add(tool.Name, tool);
        _definitions = null;
        return this;
    }

    public ToolKit Add(string name, string description, ToolKind kind, IReadOnlyList<ToolParameter> parameters, ToolBody body) =>
        Add(new DomainTool(name, description, kind, parameters, body));

    /// <summary>Adds a function that tasks may call by name (initialization action or assertion) but that is not a tool.</summary>
    public ToolKit AddFunction(string name, IReadOnlyList<ToolParameter> parameters, ToolBody body)
    {
        _functions.Add(name, new DomainTool(name, string.Empty, ToolKind.Generic, parameters, body));
        return this;
    }

    public bool HasTool(string name) => _tools.ContainsKey(name);

    public DomainTool? Find(string name) => _tools.GetValueOrDefault(name);

    public bool MutatesState(string name) => !_tools.TryGetValue(name, out var tool) || tool.MutatesState;

    /// <summary>The tools as OpenAI function definitions, in declaration order.</summary>
    public IReadOnlyList<ToolDefinition> Definitions =>
        _definitions ??= _tools.Values.Select(t => new ToolDefinition(t.Name, t.Description, t.ParametersSchema().ToJsonString())).ToArray();

    /// <summary>Runs a tool call as tau2-bench's environment does: any failure becomes <c>Error: ...</c>, never an exception.</summary>
    public ToolOutcome Call(string name, string? argumentsJson, TaskDatabase db)
    {
        JsonObject args;
        try
        {
            args = string.IsNullOrWhiteSpace(argumentsJson) ? [] : JsonNode.Parse(argumentsJson) as JsonObject
                ?? throw new ToolException("the arguments must be a JSON object");
        }
        catch (JsonException e)
        {
            return new ToolOutcome($"Error: the arguments are not valid JSON: {e.Message}", true);
        }
        catch (ToolException e)
        {
            return new ToolOutcome($"Error: {e.Message}", true);
        }

        return Call(name, args, db);
    }

    public ToolOutcome Call(string name, JsonObject args, TaskDatabase db)
    {
        if (!_tools.TryGetValue(name, out var tool))
        {
            return new ToolOutcome($"Error: Tool '{name}' not found.", true);
        }

        try
        {
            return new ToolOutcome(Render(Invoke(tool, args, db)), false);
        }
        catch (ToolException e)
        {
            return new ToolOutcome($"Error: {e.Message}", true);
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or ArgumentException or FormatException or OverflowException or NullReferenceException)
        {
            // A bug in a tool or data it did not expect: still a tool error for the model, as in tau2-bench (which catches everything).
            return new ToolOutcome($"Error: {e.Message}", true);
        }
    }

    /// <summary>Runs an environment function (a tool or a non-tool function) for a task's data; throws on failure.</summary>
    public object? RunFunction(string name, JsonObject args, TaskDatabase db)
    {
        var function = _tools.GetValueOrDefault(name) ?? _functions.GetValueOrDefault(name)
            ?? throw new ToolException($"Function {name} not found in {ClassName}");
        return Invoke(function, args, db);
    }

    private object? Invoke(DomainTool tool, JsonObject args, TaskDatabase db)
    {
        foreach (var (key, _) in args)
        {
            if (!tool.Parameters.Any(p => p.Name == key))
            {
                throw new ToolException($"{ClassName}.{tool.Name}() got an unexpected keyword argument '{key}'");
            }
        }

        var missing = tool.Parameters.Where(p => p.Required && !args.ContainsKey(p.Name)).Select(p => $"'{p.Name}'").ToList();
        if (missing.Count > 0)
        {
            var list = missing.Count == 1 ? missing[0] : string.Join(", ", missing.Take(missing.Count - 1)) + " and " + missing[^1];
            throw new ToolException(string.Create(
                CultureInfo.InvariantCulture,
                $"{ClassName}.{tool.Name}() missing {missing.Count} required positional argument{(missing.Count == 1 ? string.Empty : "s")}: {list}"));
        }

        return tool.Body(new ToolContext(db), new ToolArguments(args));
    }

    /// <summary>tau2-bench's <c>to_json_str</c>: strings as they are, numbers and booleans as Python's <c>str()</c>, the rest as JSON.</summary>
    public static string Render(object? result) => result switch
    {
        null => "null",
        string s => s,
        bool b => b ? "True" : "False",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => PyJson.Float(d),
        JsonNode n => PyJson.Dumps(n),
        IEnumerable<JsonNode?> list => "[" + string.Join(", ", list.Select(PyJson.Dumps)) + "]",
        _ => throw new InvalidOperationException($"a tool returned an unsupported {result.GetType().Name}"),
    };
}
