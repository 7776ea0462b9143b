using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Matrix.Scenarios.Tau2.Data;

/// <summary>A call of an environment function by a task's data: an initialization action or, with a value, an assertion.</summary>
internal sealed record EnvCall(string EnvType, string FunctionName, JsonObject Arguments, bool AssertValue = true);

/// <summary>A gold action: a tool call the reference trajectory makes (tau2's <c>Action</c>).</summary>
internal sealed record GoldAction(string ActionId, string Requestor, string Name, JsonObject Arguments, IReadOnlyList<string>? CompareArgs);

/// <summary>A tool call in a trajectory: who made it, its id, name and arguments (JSON text as the model wrote it).</summary>
internal sealed record TrajectoryToolCall(string Requestor, string Id, string Name, string ArgumentsJson);

/// <summary>A message of a task's given <c>message_history</c> (the conversation before the simulation starts).</summary>
internal sealed record HistoryMessage(string Role, string? Content, IReadOnlyList<TrajectoryToolCall> ToolCalls, string? ToolCallId);

/// <summary>
/// One task of a tau2-bench domain (<c>tasks.json</c>): what the user simulator is told, the state the task starts
/// from, and how its trajectory is graded. Immutable; shared by every orchestrator of the task.
/// </summary>
internal sealed class Tau2TaskSpec
{
    public const string Db = "DB";
    public const string Action = "ACTION";
    public const string EnvAssertion = "ENV_ASSERTION";
    public const string Communicate = "COMMUNICATE";
    public const string NlAssertion = "NL_ASSERTION";

    /// <summary>tau2-bench's default <c>reward_basis</c>.</summary>
    public static readonly IReadOnlyList<string> DefaultRewardBasis = [Db, Communicate];

    public required string Id { get; init; }

    /// <summary>The user's instructions as the user simulator's prompt shows them.</summary>
    public required string UserInstructions { get; init; }

    /// <summary>The reason for the call (or the whole instructions when they are one text): the oracle user's opening.</summary>
    public required string Opening { get; init; }

    public string? Persona { get; init; }

    public JsonObject? AgentData { get; init; }

    public JsonObject? UserData { get; init; }

    public IReadOnlyList<EnvCall> InitializationActions { get; init; } = [];

    public IReadOnlyList<HistoryMessage> MessageHistory { get; init; } = [];

    public IReadOnlyList<GoldAction> Actions { get; init; } = [];

    public IReadOnlyList<string> CommunicateInfo { get; init; } = [];

    public IReadOnlyList<string> NlAssertions { get; init; } = [];

    public IReadOnlyList<EnvCall> EnvAssertions { get; init; } = [];

    public IReadOnlyList<string> RewardBasis { get; init; } = DefaultRewardBasis;

    /// <summary>Whether the criteria list actions or env assertions; without either tau2 counts the database as matching.</summary>
    public bool ChecksEnvironment { get; init; } = true;

    /// <summary>Whether the task has evaluation criteria at all (tau2 gives 1.0 without them).</summary>
    public bool HasCriteria { get; init; } = true;

    /// <summary>Parses one element of <c>tasks.json</c>; throws <see cref="FormatException"/> naming the field.</summary>
    public static Tau2TaskSpec Parse(JsonObject task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var id = task["id"]?.GetValue<string>() ?? throw new FormatException("a task has no 'id'");
        try
        {
            return ParseFields(id, task);
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or KeyNotFoundException)
        {
            throw new FormatException($"task '{id}': {e.Message}", e);
        }
    }

    private static Tau2TaskSpec ParseFields(string id, JsonObject task)
    {
        var scenario = task["user_scenario"] as JsonObject ?? throw new FormatException($"task '{id}' has no 'user_scenario'");
        var (instructions, opening) = Instructions(scenario["instructions"]);
        var initial = task["initial_state"] as JsonObject;
        var data = initial?["initialization_data"] as JsonObject;
        var criteria = task["evaluation_criteria"] as JsonObject;
        return new Tau2TaskSpec
        {
            Id = id,
            UserInstructions = instructions,
            Opening = opening,
            Persona = scenario["persona"]?.GetValue<string>(),
            AgentData = data?["agent_data"] as JsonObject,
            UserData = data?["user_data"] as JsonObject,
            InitializationActions = EnvCalls(initial?["initialization_actions"] as JsonArray),
            MessageHistory = History(initial?["message_history"] as JsonArray),
            Actions = (criteria?["actions"] as JsonArray ?? []).Select((a, i) => Gold((JsonObject)a!, i)).ToList(),
            CommunicateInfo = Strings(criteria?["communicate_info"]),
            NlAssertions = Strings(criteria?["nl_assertions"]),
            EnvAssertions = EnvCalls(criteria?["env_assertions"] as JsonArray),
            RewardBasis = criteria?["reward_basis"] is JsonArray basis ? Strings(basis) : DefaultRewardBasis,
            HasCriteria = criteria is not null,
            ChecksEnvironment = criteria?["actions"] is JsonArray || criteria?["env_assertions"] is JsonArray,
        };
    }

    private static (string Instructions, string Opening) Instructions(JsonNode? node)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            var text = v.GetValue<string>();
            return (text, text);
        }

        if (node is not JsonObject o)
        {
            throw new FormatException("'user_scenario.instructions' is neither text nor an object");
        }

        // tau2's StructuredUserInstructions.__str__: the fields under headings, in this order.
        var sb = new StringBuilder();
        void Section(string heading, string field)
        {
            if (o[field] is JsonValue s && s.GetValueKind() == JsonValueKind.String && s.GetValue<string>() is { Length: > 0 } value)
            {
                if (sb.Length > 0)
                {
                    sb.Append('\n');
                }

                sb.Append(heading).Append(":\n").Append(value.Trim()).Append('\n');
            }
        }

        Section("Domain", "domain");
        Section("Reason for call", "reason_for_call");
        Section("Known info", "known_info");
        Section("Unknown info", "unknown_info");
        Section("Task instructions", "task_instructions");
        var opening = o["reason_for_call"]?.GetValue<string>() ?? sb.ToString();
        return (sb.ToString().TrimEnd(), opening.Trim());
    }

    private static GoldAction Gold(JsonObject a, int index) => new(
        a["action_id"]?.GetValue<string>() ?? $"action_{index}",
        a["requestor"]?.GetValue<string>() ?? "assistant",
        a["name"]?.GetValue<string>() ?? throw new FormatException("a gold action has no 'name'"),
        (JsonObject?)a["arguments"]?.DeepClone() ?? [],
        a["compare_args"] is JsonArray c ? Strings(c) : null);

    private static List<EnvCall> EnvCalls(JsonArray? calls) =>
        (calls ?? []).Select(c => c as JsonObject ?? throw new FormatException("an environment call is not an object")).Select(c => new EnvCall(
            c["env_type"]?.GetValue<string>() ?? "assistant",
            c["func_name"]?.GetValue<string>() ?? throw new FormatException("an environment call has no 'func_name'"),
            (JsonObject?)c["arguments"]?.DeepClone() ?? [],
            c["assert_value"]?.GetValue<bool>() ?? true)).ToList();

    private static List<HistoryMessage> History(JsonArray? messages)
    {
        var result = new List<HistoryMessage>();
        foreach (var node in messages ?? [])
        {
            var m = node as JsonObject ?? throw new FormatException("a message_history entry is not an object");
            var role = m["role"]?.GetValue<string>() ?? throw new FormatException("a message_history entry has no 'role'");
            var calls = (m["tool_calls"] as JsonArray ?? []).Select(c => (JsonObject)c!).Select(c => new TrajectoryToolCall(
                c["requestor"]?.GetValue<string>() ?? (role == "user" ? "user" : "assistant"),
                c["id"]?.GetValue<string>() ?? string.Empty,
                c["name"]?.GetValue<string>() ?? throw new FormatException("a history tool call has no 'name'"),
                (c["arguments"] as JsonObject)?.ToJsonString() ?? "{}")).ToList();
            result.Add(new HistoryMessage(role, m["content"]?.GetValue<string>(), calls, role == "tool" ? m["id"]?.GetValue<string>() : null));
        }

        return result;
    }

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray a ? a.Select(x => x?.GetValue<string>() ?? string.Empty).ToList() : [];
}
