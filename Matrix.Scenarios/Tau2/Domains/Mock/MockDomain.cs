using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Domains.Mock;

/// <summary>
/// tau2-bench's mock domain (<c>src/tau2/domains/mock/</c>): tasks of users, with user-side notifications. Tool
/// names, arguments, results and errors follow tau2-bench's <c>MockTools</c> and <c>MockUserTools</c>.
/// </summary>
internal sealed class MockDomain : Tau2DomainDefinition
{
    // Before Instance: static fields initialize in order.
    private static readonly string[] Statuses = ["pending", "completed"];

    public static readonly MockDomain Instance = new();

    private MockDomain()
    {
        AssistantTools = BuildAssistantTools();
        UserTools = BuildUserTools();
    }

    public override string Name => "mock";

    public override ToolKit AssistantTools { get; }

    public override ToolKit? UserTools { get; }

    public override bool Recognizes(string folder) => File.Exists(Path.Combine(folder, "user_db.json")) && File.Exists(Path.Combine(folder, "db.json"));

    public override JsonObject LoadDatabase(string folder)
    {
        var root = ReadObject(folder, "db.json");
        // Task.description is Optional[str]: present as null when a file omits it.
        foreach (var (_, task) in root["tasks"] as JsonObject ?? [])
        {
            if (task is JsonObject t && !t.ContainsKey("description"))
            {
                t["description"] = null;
            }
        }

        return root;
    }

    public override JsonObject? LoadUserDatabase(string folder) =>
        File.Exists(Path.Combine(folder, "user_db.json")) ? ReadObject(folder, "user_db.json") : new JsonObject { ["notifications"] = new JsonObject() };

    private static ToolKit BuildAssistantTools()
    {
        var kit = new ToolKit("MockTools");
        kit.Add(
            "create_task",
            "Create a new task for a user.",
            ToolKind.Write,
            [
                ToolParameter.String("user_id", "The ID of the user creating the task"),
                ToolParameter.String("title", "The title of the task"),
                ToolParameter.String("description", "Optional description of the task", required: false),
            ],
            (ctx, a) =>
            {
                var userId = a.String("user_id");
                var user = ctx.Db.Edit("users", userId) ?? throw new ToolException($"User {userId} not found");
                var taskId = $"task_{ctx.Db.Count("tasks") + 1}";
                var task = new JsonObject
                {
                    ["task_id"] = taskId,
                    ["title"] = a.String("title"),
                    ["description"] = a.OptionalString("description"),
                    ["status"] = "pending",
                };
                ctx.Db.Put("tasks", taskId, task);
                (user["tasks"] as JsonArray ?? throw new ToolException($"User {userId} has no task list")).Add(taskId);
                return task;
            });
        kit.Add(
            "get_users",
            "Get all users in the database.",
            ToolKind.Read,
            [],
            (ctx, _) => ctx.Db.Entries("users").Select(e => (JsonNode?)e.Value).ToList());
        kit.Add(
            "update_task_status",
            "Update the status of a task.",
            ToolKind.Write,
            [
                ToolParameter.String("task_id", "The ID of the task to update"),
                ToolParameter.Enum("status", "The new status of the task", Statuses),
            ],
            (ctx, a) =>
            {
                var taskId = a.String("task_id");
                var task = ctx.Db.Edit("tasks", taskId) ?? throw new ToolException($"Task {taskId} not found");
                task["status"] = a.String("status");
                return task;
            });
        kit.Add(
            "transfer_to_human_agents",
            "Transfer the user to a human agent, with a summary of the user's issue. Only transfer if the user explicitly asks for a human agent, or given the policy and the available tools, you cannot solve the user's issue.",
            ToolKind.Generic,
            [ToolParameter.String("summary", "A summary of the user's issue.")],
            (_, _) => "Transfer successful");
        kit.AddFunction(
            "assert_number_of_tasks",
            [ToolParameter.String("user_id", "The ID of the user"), ToolParameter.Integer("expected_number", "The expected number of tasks")],
            (ctx, a) =>
            {
                var userId = a.String("user_id");
                var user = ctx.Db.Find("users", userId) ?? throw new ToolException($"User {userId} not found");
                return (user["tasks"] as JsonArray)?.Count == a.Integer("expected_number");
            });
        kit.AddFunction(
            "assert_task_status",
            [ToolParameter.String("task_id", "The ID of the task"), ToolParameter.String("expected_status", "The expected status")],
            (ctx, a) =>
            {
                var taskId = a.String("task_id");
                var task = ctx.Db.Find("tasks", taskId) ?? throw new ToolException($"Task {taskId} not found");
                return task["status"]?.GetValue<string>() == a.String("expected_status");
            });
        return kit;
    }

    private static ToolKit BuildUserTools()
    {
        var kit = new ToolKit("MockUserTools");
        kit.Add(
            "check_notifications",
            "Check all notifications in the user's inbox.",
            ToolKind.Read,
            [],
            (ctx, _) => ctx.Db.Entries("notifications").Select(e => (JsonNode?)e.Value).ToList());
        kit.Add(
            "dismiss_notification",
            "Dismiss a notification.",
            ToolKind.Write,
            [ToolParameter.String("notification_id", "The ID of the notification to dismiss")],
            (ctx, a) =>
            {
                var id = a.String("notification_id");
                var n = ctx.Db.Edit("notifications", id) ?? throw new ToolException($"Notification {id} not found");
                n["status"] = "read";
                return $"Notification {id} dismissed";
            });
        kit.AddFunction(
            "add_notification",
            [
                ToolParameter.String("notification_id", "The ID of the notification"),
                ToolParameter.String("message", "The message"),
                ToolParameter.String("task_id", "The task it is about", required: false),
            ],
            (ctx, a) =>
            {
                var id = a.String("notification_id");
                var n = new JsonObject
                {
                    ["notification_id"] = id,
                    ["message"] = a.String("message"),
                    ["status"] = "unread",
                    ["task_id"] = a.OptionalString("task_id"),
                };
                ctx.Db.Put("notifications", id, n);
                return n;
            });
        kit.AddFunction(
            "assert_notification_status",
            [ToolParameter.String("notification_id", "The ID of the notification"), ToolParameter.String("expected_status", "The expected status")],
            (ctx, a) =>
            {
                var id = a.String("notification_id");
                var n = ctx.Db.Find("notifications", id) ?? throw new ToolException($"Notification {id} not found");
                return n["status"]?.GetValue<string>() == a.String("expected_status");
            });
        return kit;
    }
}
