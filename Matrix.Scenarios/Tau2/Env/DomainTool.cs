using System.Text.Json.Nodes;

namespace Matrix.Scenarios.Tau2.Env;

/// <summary>tau2-bench's conceptual tool types; only <see cref="Write"/> tools change the database by default.</summary>
internal enum ToolKind
{
    Read,
    Write,
    Think,
    Generic,
}

/// <summary>What a tool body gets: the database of its side (agent or user) of this task.</summary>
internal sealed record ToolContext(TaskDatabase Db);

/// <summary>
/// A tool body. Returns the tool's result: a string (sent as is), a <see cref="JsonNode"/> (sent as Python's
/// <c>json.dumps</c> of it), a bool/int/double (sent as Python's <c>str()</c>), or null. Throws
/// <see cref="ToolException"/> for a refusal.
/// </summary>
internal delegate object? ToolBody(ToolContext context, ToolArguments args);

/// <summary>One tool of a domain, as tau2-bench's <c>@is_tool</c> method declares it.</summary>
internal sealed record DomainTool(string Name, string Description, ToolKind Kind, IReadOnlyList<ToolParameter> Parameters, ToolBody Body)
{
    /// <summary>Whether replaying the tool changes state (tau2's <c>mutates_state</c>; by default: a WRITE tool).</summary>
    public bool MutatesState { get; init; } = Kind == ToolKind.Write;

    /// <summary>The OpenAI <c>parameters</c> JSON schema of the tool.</summary>
    public JsonObject ParametersSchema() => ToolParameter.ObjectSchema(Parameters);
}
