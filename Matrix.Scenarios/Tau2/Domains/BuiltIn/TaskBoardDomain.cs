using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Domains.Mock;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Domains.BuiltIn;

/// <summary>
/// The domain <c>matrix run tau2</c> uses without <c>--data</c>: a team's task board that this project writes
/// itself (users, their tasks, and customer requests about them), served by the mock domain's tools. Generated
/// deterministically, so every rank and every run sees the same database and tasks.
/// </summary>
internal sealed class TaskBoardDomain : Tau2DomainDefinition
{
    public const int Users = 40;

    private const string Policy =
        "# Task board support policy\n\n" +
        "1. You help team members manage the tasks on the team's task board.\n" +
        "2. Every task must have a title; its status is either \"pending\" or \"completed\".\n" +
        "3. Only existing users can have tasks created for them: look the user up before creating one.\n" +
        "4. Tasks cannot be deleted. If a user asks for a deletion, transfer them to a human agent.\n" +
        "5. Confirm the result of every change to the user, with the task id.\n";

    private static readonly string[] Topics =
    [
        "Quarterly report", "Budget review", "Team offsite", "Security audit", "Release notes", "Customer call",
        "Hiring plan", "Design review", "Onboarding checklist", "Server upgrade", "Invoice follow-up", "Roadmap draft",
    ];

    private static readonly string[] FirstNames = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jia"];

    public static readonly TaskBoardDomain Instance = new();

    private TaskBoardDomain()
    {
    }

    public override string Name => "taskboard";

    public override ToolKit AssistantTools => MockDomain.Instance.AssistantTools;

    public override bool Recognizes(string folder) => false;

    public override JsonObject LoadDatabase(string folder) => throw new NotSupportedException("the task board domain is generated, not loaded");

    /// <summary>The generated domain with <paramref name="taskCount"/> tasks.</summary>
    public static Tau2Domain Create(int taskCount)
    {
        var db = Database(out var taskStatus);
        var tasks = new List<Tau2TaskSpec>(taskCount);
        for (var i = 0; i < taskCount; i++)
        {
            tasks.Add(Tau2TaskSpec.Parse(Task(i, taskStatus)));
        }

        return new Tau2Domain(Instance, Policy, new DomainDatabase("agent", db), null, tasks);
    }

    private static JsonObject Database(out List<(string Id, string Status, int Owner)> taskStatus)
    {
        var users = new JsonObject();
        var tasks = new JsonObject();
        taskStatus = [];
        var n = 0;
        for (var u = 1; u <= Users; u++)
        {
            var owned = new JsonArray();
            for (var k = 0; k < 1 + (u % 3); k++)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"task_{++n}");
                var status = (n % 4 == 0) ? "completed" : "pending";
                tasks[id] = new JsonObject
                {
                    ["task_id"] = id,
                    ["title"] = Topics[n % Topics.Length],
                    ["description"] = null,
                    ["status"] = status,
                };
                owned.Add(id);
                taskStatus.Add((id, status, u));
            }

            users[UserId(u)] = new JsonObject
            {
                ["user_id"] = UserId(u),
                ["name"] = $"{FirstNames[u % FirstNames.Length]} {(char)('A' + (u % 26))}.",
                ["tasks"] = owned,
            };
        }

        return new JsonObject { ["tasks"] = tasks, ["users"] = users };
    }

    private static string UserId(int u) => string.Create(CultureInfo.InvariantCulture, $"user_{u}");

    /// <summary>One generated task: five kinds of request in turn, each with its gold actions and what must be said.</summary>
    private static JsonObject Task(int i, List<(string Id, string Status, int Owner)> board)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"taskboard_{i}");
        var (existing, status, owner) = board[(i * 7) % board.Count];
        var user = UserId(1 + ((i * 11) % Users));
        var title = $"{Topics[i % Topics.Length]} {2025 + (i % 3)}";
        var newTaskId = string.Create(CultureInfo.InvariantCulture, $"task_{board.Count + 1}");
        return (i % 5) switch
        {
            0 => Spec(id, $"You need a task called '{title}' on the board for {user}. Ask the agent to create it and note its id.",
                [Action("create_task", new JsonObject { ["user_id"] = user, ["title"] = title })], [newTaskId], ["DB", "ACTION", "COMMUNICATE"]),
            1 => Spec(id, $"You finished {existing}. Ask the agent to mark it as completed.",
                [Action("update_task_status", new JsonObject { ["task_id"] = existing, ["status"] = "completed" })], [], ["DB", "ACTION"]),
            2 => Spec(id, $"{existing} was closed by mistake or is still open; you want it to be pending. Ask the agent to set it to pending.",
                [Action("update_task_status", new JsonObject { ["task_id"] = existing, ["status"] = "pending" })], [], ["DB", "ACTION"]),
            3 => Spec(id, $"You are {UserId(owner)} and you want every one of your tasks deleted from the board.",
                [Action("transfer_to_human_agents", new JsonObject { ["summary"] = "The user wants their tasks deleted." }, compareNothing: true)], [], ["DB", "ACTION"]),
            _ => Spec(id, $"You want to know the status of {existing} (it is {status}).",
                [Action("get_users", [])], [status], ["DB", "COMMUNICATE"]),
        };
    }

    private static JsonObject Action(string name, JsonObject args, bool compareNothing = false)
    {
        var a = new JsonObject { ["action_id"] = name, ["name"] = name, ["arguments"] = args };
        if (compareNothing)
        {
            a["compare_args"] = new JsonArray();
        }

        return a;
    }

    private static JsonObject Spec(string id, string instructions, JsonObject[] actions, string[] communicate, string[] basis) => new()
    {
        ["id"] = id,
        ["user_scenario"] = new JsonObject { ["persona"] = "Busy, polite and brief.", ["instructions"] = instructions },
        ["evaluation_criteria"] = new JsonObject
        {
            ["actions"] = new JsonArray(actions.Select(a => (JsonNode)a).ToArray()),
            ["communicate_info"] = new JsonArray(communicate.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
            ["reward_basis"] = new JsonArray(basis.Select(b => (JsonNode)JsonValue.Create(b)).ToArray()),
        },
    };
}
