using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Engine.Agents;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;

namespace Matrix.Scenarios.Generate;

/// <summary>
/// <c>matrix run generate</c>: one LLM call per input row, the simplest workflow there is ("run this prompt over that
/// dataset"). The prompt is a Liquid template over the row's fields; an optional JSON Schema makes the reply's fields
/// output columns. Input: JSONL (or .jsonl.zst), one object per line. Runs like any scenario: ranks, pools,
/// offloading, <c>--resume</c>, the simulated LLM (which follows the schema).
/// </summary>
internal sealed class GenerateScenario : Scenario
{
    public const string Generator = "generator";
    public const string GeneratedReason = "generated";

    /// <summary>The agent name of the rendered prompt turns.</summary>
    public const string PromptAgent = "prompt";
    public const string UnparsableReason = "unparsable";

    private readonly Configuration? _config;

    public GenerateScenario()
    {
    }

    private GenerateScenario(Configuration config)
    {
        _config = config;
        Columns = BuildColumns(config);
    }

    public override string Name => "generate";

    public override string Description => "one LLM call per input row: a prompt template, optionally a JSON schema whose fields become columns";

    public override IReadOnlyList<RoleSpec> Roles { get; } = [new(Generator, AgentKind.Llm)];

    public override IReadOnlyList<OutputColumn> Columns { get; } = [];

    public override void DeclareSettings(SettingsSchema schema) => GenerateSettings.Declare(schema);

    public override Scenario Configure(RunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var prompt = settings.GetString(GenerateSettings.Prompt)
            ?? throw new SettingsException($"generate needs a prompt: --prompt 'Translate to French: {{{{ text }}}}' (or {GenerateSettings.Prompt} in --config)");
        var system = settings.GetString(GenerateSettings.System);
        var (inline, file) = (settings.GetString(GenerateSettings.Schema), settings.GetString(GenerateSettings.SchemaFile));
        if (inline is not null && file is not null)
        {
            throw new SettingsException($"give {GenerateSettings.Schema} or {GenerateSettings.SchemaFile}, not both");
        }

        var schema = inline is not null ? ReplySchema.Load(GenerateSettings.Schema, inline)
            : file is not null ? ReplySchema.LoadFile(GenerateSettings.SchemaFile, file)
            : null;
        // A property named like another column ('status', 'response') is refused with the other columns, in preflight.
        return new GenerateScenario(new Configuration(
            PromptTemplate.Compile(GenerateSettings.Prompt, prompt),
            system is null ? null : PromptTemplate.Compile(GenerateSettings.System, system),
            schema,
            settings.GetString(GenerateSettings.IdField) ?? "id",
            settings.GetBool(GenerateSettings.KeepInput)));
    }

    public override IAsyncEnumerable<InputRow> ReadInputAsync(InputSource source, ScenarioContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Path is null)
        {
            throw new InputException("generate reads its rows from --input: a JSONL file (or .jsonl.zst), one JSON object per line");
        }

        var idField = Config.IdField;
        return JsonlRows.ReadAsync<string>(
            source.Path,
            source.Limit,
            (JsonElement row, out string? payload, out string? id, out string? problem) =>
            {
                payload = null;
                id = null;
                problem = null;
                if (row.ValueKind != JsonValueKind.Object)
                {
                    problem = "not a JSON object";
                    return false;
                }

                if (row.TryGetProperty(idField, out var value))
                {
                    id = value.ValueKind switch
                    {
                        JsonValueKind.String => value.GetString(),
                        JsonValueKind.Number => value.GetRawText(),
                        _ => null,
                    };
                }

                payload = row.GetRawText();
                return true;
            },
            idField,
            cancellationToken);
    }

    public override IAgent CreateAgent(string role, ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return role == Generator ? new GeneratorAgent(Config, context.Llm) : throw new ArgumentOutOfRangeException(nameof(role), role, "generate has one role, generator");
    }

    /// <summary>
    /// Renders the prompts into the task's first turns, so the record's <c>messages</c> hold the whole conversation a
    /// trainer reads. A row without a field the templates use fails alone here (<c>scenario_error</c>, the field named).
    /// </summary>
    public override Route Begin(Orchestrator task, ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(task);
        using var row = JsonDocument.Parse(task.InputAs<string>());
        if (Config.System is { } system)
        {
            task.Append(new Turn(PromptAgent, ChatRoles.System, system.Render(row.RootElement)));
        }

        task.Append(new Turn(PromptAgent, ChatRoles.User, Config.Prompt.Render(row.RootElement)));
        return Route.To(Generator);
    }

    public override Route Next(Orchestrator task, ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (Config.Schema is null)
        {
            return Route.Succeed(GeneratedReason);
        }

        var parsed = Config.Schema.Parse(task.History[^1].Content);
        if (parsed is null)
        {
            return Route.Filter(UnparsableReason);
        }

        // The parsed reply rides on the task (a string crosses ranks as it is) for the columns.
        task.State = parsed;
        return Route.Succeed(GeneratedReason);
    }

    private Configuration Config => _config ?? throw new InvalidOperationException("generate: Configure was not called");

    private static List<OutputColumn> BuildColumns(Configuration config)
    {
        List<OutputColumn> columns = [];
        if (config.KeepInput)
        {
            columns.Add(new("input", ColumnType.Utf8, t => t.Input as string));
        }

        columns.Add(new("response", ColumnType.Utf8, t => t.History.LastOrDefault(h => h.Agent == Generator)?.Content));
        foreach (var (name, type) in config.Schema?.Properties ?? [])
        {
            columns.Add(new(name, type, t => ValueOf(t.State as string, name, type)));
        }

        return columns;
    }

    private static object? ValueOf(string? reply, string name, ColumnType type)
    {
        if (reply is null || JsonNode.Parse(reply) is not JsonObject obj || obj[name] is not { } node)
        {
            return null;
        }

        return type switch
        {
            ColumnType.Utf8 => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString(),
            ColumnType.Int64 => node.GetValue<JsonElement>().TryGetInt64(out var l) ? l : null,
            ColumnType.Float64 => node.GetValue<JsonElement>().GetDouble(),
            ColumnType.Bool => node.GetValue<JsonElement>().ValueKind == JsonValueKind.True,
            _ => node.ToJsonString(),
        };
    }

    internal sealed record Configuration(PromptTemplate Prompt, PromptTemplate? System, ReplySchema? Schema, string IdField, bool KeepInput);
}
