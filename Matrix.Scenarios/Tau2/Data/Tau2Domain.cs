using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Engine.Scenarios;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Data;

/// <summary>
/// A loaded tau2 domain: its definition (tools), policy, shared databases and tasks. Loaded once per rank and
/// run; read-only afterwards, so every agent of the rank shares it.
/// </summary>
internal sealed class Tau2Domain
{
    private readonly Dictionary<string, Tau2TaskSpec> _byId;

    public Tau2Domain(Tau2DomainDefinition definition, string policy, DomainDatabase agentDb, DomainDatabase? userDb, IReadOnlyList<Tau2TaskSpec> tasks)
    {
        Definition = definition;
        Policy = policy;
        AgentDb = agentDb;
        UserDb = userDb;
        Tasks = tasks;
        _byId = new Dictionary<string, Tau2TaskSpec>(StringComparer.Ordinal);
        foreach (var t in tasks)
        {
            if (!_byId.TryAdd(t.Id, t))
            {
                throw new InputException($"tau2 domain '{definition.Name}': two tasks have the id '{t.Id}'");
            }
        }
    }

    public string Name => Definition.Name;

    public Tau2DomainDefinition Definition { get; }

    public string Policy { get; }

    public DomainDatabase AgentDb { get; }

    public DomainDatabase? UserDb { get; }

    public IReadOnlyList<Tau2TaskSpec> Tasks { get; }

    public ToolKit AssistantTools => Definition.AssistantTools;

    public ToolKit? UserTools => Definition.UserTools;

    public Tau2TaskSpec Task(string id) =>
        _byId.TryGetValue(id, out var t) ? t : throw new InvalidOperationException($"tau2 domain '{Name}' has no task '{id}' (do all ranks read the same --data?)");

    /// <summary>A fresh environment for one task: empty overlays on the shared databases.</summary>
    public Tau2Environment NewEnvironment() => new(this, new TaskDatabase(AgentDb), UserDb is null ? null : new TaskDatabase(UserDb));

    /// <summary>Loads a domain folder with a known definition.</summary>
    public static Tau2Domain Load(Tau2DomainDefinition definition, string folder)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (!Directory.Exists(folder))
        {
            throw new InputException($"tau2 domain folder '{folder}' does not exist");
        }

        var policyPath = Path.Combine(folder, definition.PolicyFile);
        var policy = File.Exists(policyPath) ? File.ReadAllText(policyPath) : throw new InputException($"tau2 domain folder '{folder}' has no {definition.PolicyFile}");
        var agentDb = new DomainDatabase("agent", definition.LoadDatabase(folder));
        var userRoot = definition.LoadUserDatabase(folder);
        var userDb = userRoot is null ? null : new DomainDatabase("user", userRoot);
        return new Tau2Domain(definition, policy, agentDb, userDb, ReadTasks(Path.Combine(folder, definition.TasksFile)));
    }

    private static List<Tau2TaskSpec> ReadTasks(string path)
    {
        if (!File.Exists(path))
        {
            throw new InputException($"tau2 domain folder has no {Path.GetFileName(path)} ('{path}')");
        }

        JsonArray tasks;
        try
        {
            using var stream = File.OpenRead(path);
            tasks = JsonNode.Parse(stream) as JsonArray ?? throw new InputException($"{path}: expected a JSON array of tasks");
        }
        catch (JsonException e)
        {
            throw new InputException($"{path}:{e.LineNumber + 1}: {e.Message}");
        }

        var result = new List<Tau2TaskSpec>(tasks.Count);
        for (var i = 0; i < tasks.Count; i++)
        {
            try
            {
                result.Add(Tau2TaskSpec.Parse(tasks[i] as JsonObject ?? throw new FormatException("not an object")));
            }
            catch (FormatException e)
            {
                throw new InputException($"{path}: task #{i}: {e.Message}");
            }
        }

        return result;
    }
}
