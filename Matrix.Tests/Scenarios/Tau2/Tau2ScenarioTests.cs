using System.Collections.Concurrent;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Runtime;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Scenarios.Tau2;
using Matrix.Scenarios.Tau2.Reward;
using Matrix.Tests.Support;

namespace Matrix.Tests.Scenarios.Tau2;

[TestClass]
public sealed class Tau2ScenarioTests
{
    private static ScenarioContext Context(ILlmClient llm, string? data, params (string Key, string Value)[] set)
    {
        var schema = new SettingsSchema();
        EngineSettings.Declare(schema);
        new Tau2Scenario().DeclareSettings(schema);
        var settings = new RunSettings(schema);
        if (data is not null)
        {
            settings.Set(EngineSettings.Input, data, "test");
        }

        foreach (var (key, value) in set)
        {
            settings.Set(key, value, "test");
        }

        return new ScenarioContext(settings, 1, llm);
    }

    /// <summary>Runs one task by hand: Begin, then each routed agent and Next, as the engine does.</summary>
    private static async Task<(Orchestrator Task, Route Route, List<string> Order)> DriveAsync(Tau2Scenario scenario, ScenarioContext context, string taskId)
    {
        var domain = scenario.Domain(context);
        var task = new Orchestrator(taskId + "#0", 0, 42, 0, new Tau2TaskRef(domain.Name, taskId));
        var (route, order) = await ScenarioDriver.RunAsync(scenario, context, task);
        return (task, route, order);
    }

    private static object? Column(Orchestrator task, string name) => new Tau2Scenario().Columns.Single(c => c.Name == name).Value(task);

    [TestMethod]
    public async Task The_oracle_agents_reach_the_offline_oracles_reward_on_every_mock_task()
    {
        var scenario = new Tau2Scenario();
        var context = Context(new OracleLlm(), Tau2Data.Folder("mock"));
        var domain = scenario.Domain(context);
        foreach (var spec in domain.Tasks)
        {
            var (task, route, order) = await DriveAsync(scenario, context, spec.Id);
            Assert.AreEqual(TaskOutcome.Success, route.Outcome, spec.Id);
            Assert.AreEqual("user_stop", route.Reason, spec.Id);
            Assert.DoesNotContain("judge", order, "the oracle has no judge");
            var expected = OfflineOracle.Run(domain, spec).Reward;
            Assert.AreEqual(expected.Total, (double)Column(task, "reward")!, spec.Id);
            Assert.AreEqual(expected.Db, (double?)Column(task, "reward_db"), spec.Id);
            Assert.IsNull(Column(task, "reward_nl"));
            Assert.AreEqual(OracleScript.AssistantActions(spec).Count, (int)Column(task, "tool_calls")!, spec.Id);
        }
    }

    [TestMethod]
    public async Task A_wrong_argument_or_an_unknown_tool_goes_back_to_the_assistant_as_a_tool_message()
    {
        var llm = new ScriptedTau2Llm(
            assistant:
            [
                Calls(new ToolCall("c1", "delete_task", """{"task_id": "task_1"}""")),
                Calls(new ToolCall("c2", "update_task_status", """{"task_id": "task_1", "status": "done", "colour": "red"}""")),
                Calls(new ToolCall("c3", "update_task_status", """{"task_id": "task_1", "status": "completed"}""")),
                Text("task_1 is completed."),
            ],
            user: [Text("Please mark task_1 as completed."), Text("Thanks! ###STOP###")]);
        var scenario = new Tau2Scenario();
        var context = Context(llm, Tau2Data.Folder("mock"), (Tau2Scenario.JudgeKey, "false"));

        var (task, route, order) = await DriveAsync(scenario, context, "update_task_1");

        Assert.AreEqual(TaskOutcome.Success, route.Outcome);
        Assert.AreEqual("user_stop", route.Reason);
        CollectionAssert.AreEqual(
            new[] { "user_simulator", "assistant", "tool_executor", "assistant", "tool_executor", "assistant", "tool_executor", "assistant", "user_simulator", "reward" },
            order);
        var second = llm.AssistantRequests[1].Messages[^1];
        Assert.AreEqual(ChatRoles.Tool, second.Role);
        Assert.AreEqual("c1", second.ToolCallId);
        Assert.AreEqual("Error: Tool 'delete_task' not found.", second.Content);
        Assert.AreEqual("Error: MockTools.update_task_status() got an unexpected keyword argument 'colour'", llm.AssistantRequests[2].Messages[^1].Content);
        Assert.AreEqual(2, (int)Column(task, "tool_errors")!);
        Assert.AreEqual(3, (int)Column(task, "tool_calls")!);
        // update_task_1 has the default basis DB + COMMUNICATE: the third call did the gold action's work.
        Assert.AreEqual(1.0, (double)Column(task, "reward")!);
        // The user simulator saw neither the tool calls nor their results, only the assistant's words.
        var userView = llm.UserRequests[^1].Messages;
        Assert.IsTrue(userView.All(m => m.Role != ChatRoles.Tool && m.ToolCalls is null));
        Assert.AreEqual("task_1 is completed.", userView[^1].Content);
        Assert.AreEqual(ChatRoles.User, userView[^1].Role);
    }

    [TestMethod]
    public async Task Too_many_tool_errors_end_the_conversation_and_it_is_still_graded()
    {
        var bad = Calls(new ToolCall("x", "no_such_tool", "{}"));
        var llm = new ScriptedTau2Llm(assistant: Enumerable.Repeat(bad, 50).ToArray(), user: [Text("Hello")]);
        var scenario = new Tau2Scenario();
        var context = Context(llm, Tau2Data.Folder("mock"), (Tau2Scenario.MaxErrorsKey, "3"), (Tau2Scenario.JudgeKey, "false"));

        var (task, route, _) = await DriveAsync(scenario, context, "update_task_1");

        Assert.AreEqual("too_many_errors", route.Reason);
        Assert.AreEqual(4, (int)Column(task, "tool_errors")!);
        Assert.AreEqual(0.0, (double)Column(task, "reward")!, "task_1 was never completed");
    }

    [TestMethod]
    public async Task The_step_limit_ends_a_conversation_that_never_stops()
    {
        var llm = new ScriptedTau2Llm(assistant: Enumerable.Repeat(Text("How else can I help?"), 100).ToArray(), user: Enumerable.Repeat(Text("Hmm."), 100).ToArray());
        var scenario = new Tau2Scenario();
        var context = Context(llm, Tau2Data.Folder("mock"), (Tau2Scenario.MaxStepsKey, "7"), (Tau2Scenario.JudgeKey, "false"));

        var (task, route, _) = await DriveAsync(scenario, context, "update_task_1");

        Assert.AreEqual("max_steps", route.Reason);
        Assert.AreEqual(7, task.History.Count(t => t.Agent is "assistant" or "user_simulator") - 1, "the greeting is not a step");
    }

    [TestMethod]
    public async Task A_given_message_history_opens_the_conversation_and_its_writes_are_in_the_database()
    {
        var llm = new ScriptedTau2Llm(
            assistant: [Calls(new ToolCall("c1", "update_task_status", """{"task_id": "task_2", "status": "completed"}""")), Text("Done.")],
            user: [Text("Please complete task_2."), Text("###STOP###")]);
        var scenario = new Tau2Scenario();
        var context = Context(llm, Tau2Data.Folder("mock"), (Tau2Scenario.JudgeKey, "false"));

        var (task, _, _) = await DriveAsync(scenario, context, "update_task_with_message_history");

        Assert.AreEqual("user_simulator", task.History[0].Agent);
        Assert.AreEqual("I need to create a task for the project review meeting.", task.History[0].Content);
        // task_2 exists only because the history's create_task was replayed into the task's database.
        Assert.StartsWith("{\"task_id\": \"task_2\"", task.History.Single(t => t.ToolCallId == "c1").Content);
    }

    [TestMethod]
    public async Task The_judge_sets_the_nl_component_and_an_unparsable_verdict_leaves_it_null()
    {
        foreach (var (verdict, expected) in new (string, double?)[]
        {
            ("""{"results": [{"expectedOutcome": "a", "reasoning": "r", "metExpectation": true}]}""", 1.0),
            ("""Sure: {"results": [{"expectedOutcome": "a", "reasoning": "r", "metExpectation": false}]}""", 0.0),
            ("I cannot tell.", null),
        })
        {
            var llm = new ScriptedTau2Llm(assistant: [Text("Let me help.")], user: [Text("Hello."), Text("###STOP###")], judge: verdict);
            var scenario = new Tau2Scenario();
            var context = Context(llm, Tau2Data.Folder("mock"));
            var (_, _, order) = await DriveAsync(scenario, context, "create_task_1_nl_eval");
            Assert.DoesNotContain("judge", order, "NL_ASSERTION is not in this task's (default) basis");

            // Retail's tasks grade DB and NL_ASSERTION.
            var retail = new Tau2Scenario();
            var retailContext = Context(llm, Tau2Data.Folder("retail"));
            var spec = retail.Domain(retailContext).Tasks.First(t => t.RewardBasis.Contains("NL_ASSERTION") && t.NlAssertions.Count == 1);
            (var task, _, order) = await DriveAsync(retail, retailContext, spec.Id);
            Assert.AreEqual("judge", order[^1]);
            Assert.AreEqual(expected, (double?)Column(task, "reward_nl"), verdict);
        }
    }

    [TestMethod]
    public async Task The_built_in_domain_runs_on_the_engine_with_the_simulated_llm()
    {
        var scenario = new Tau2Scenario();
        var llm = new SimulatedLlm(new SimFleetOptions { ZeroLatency = true }, new LlmCounters(), responders: BuiltInSim.Responders);
        var context = Context(llm, null, (Tau2Scenario.SampleSizeKey, "60"));
        var sink = new ListSink();
        var engine = new RankEngine(scenario, context, new EngineOptions { Concurrency = 32, Seed = 5 }, sink);

        var summary = await engine.RunAsync(scenario.ReadInputAsync(new InputSource(null, null), context, CancellationToken.None));

        Assert.AreEqual(60L, summary.Succeeded, string.Join("\n", sink.Rows.Where(r => r.Outcome != TaskOutcome.Success).Select(r => $"{r.Id} {r.Reason} {r.Error}")));
        Assert.IsTrue(sink.Rows.All(r => r.Reason is "user_stop" or "max_steps" or "too_many_errors"));
        Assert.IsTrue(sink.Rows.All(r => Column(r, "reward") is double d && d is >= 0 and <= 1));
        Assert.IsGreaterThan(0, sink.Rows.Sum(r => (int)Column(r, "tool_calls")!), "the assistant calls the domain's tools");
        Assert.IsTrue(sink.Rows.Any(r => r.History.Any(t => t.Role == ChatRoles.Tool && !t.Content!.StartsWith("Error:", StringComparison.Ordinal))), "some calls succeed");
        Assert.AreEqual("taskboard", Column(sink.Rows[0], "domain"));
    }

    private static LlmResponse Calls(params ToolCall[] calls) => new(null, calls, "tool_calls", 10, 5);

    private static LlmResponse Text(string text) => new(text, LlmResponse.NoToolCalls, "stop", 10, 5);

    /// <summary>Answers the assistant, the user simulator and the judge from scripts, recording every request.</summary>
    private sealed class ScriptedTau2Llm(LlmResponse[] assistant, LlmResponse[] user, string judge = "{}") : ILlmClient
    {
        private readonly ConcurrentQueue<LlmResponse> _assistant = new(assistant);
        private readonly ConcurrentQueue<LlmResponse> _user = new(user);

        public List<LlmRequest> AssistantRequests { get; } = [];

        public List<LlmRequest> UserRequests { get; } = [];

        public string Describe => "scripted";

        public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken = default)
        {
            var system = request.Messages[0].Content ?? string.Empty;
            if (system.StartsWith("<instructions>", StringComparison.Ordinal))
            {
                AssistantRequests.Add(request);
                Assert.IsNotNull(request.Tools);
                return Task.FromResult(_assistant.TryDequeue(out var r) ? r : Text("(assistant script ended)"));
            }

            if (system.StartsWith("You are an evaluator", StringComparison.Ordinal))
            {
                return Task.FromResult(Text(judge));
            }

            UserRequests.Add(request);
            return Task.FromResult(_user.TryDequeue(out var u) ? u : Text("###STOP###"));
        }
    }
}
