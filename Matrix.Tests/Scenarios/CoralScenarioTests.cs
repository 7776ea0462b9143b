using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Output;
using Matrix.Engine.Runtime;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Scenarios;
using Matrix.Scenarios.Coral;
using Matrix.Tests.Support;

namespace Matrix.Tests.Scenarios;

[TestClass]
public sealed class CoralScenarioTests
{
    private static readonly CoralQuestion Question = new("What is 6 × 7?", ["36", "42", "48", "54"], 1);

    private static ScenarioContext Context(ILlmClient llm, int? maxTurns = null)
    {
        var schema = new SettingsSchema();
        new CoralScenario().DeclareSettings(schema);
        var settings = new RunSettings(schema);
        if (maxTurns is { } m)
        {
            settings.Set(CoralScenario.MaxTurnsKey, m.ToString(System.Globalization.CultureInfo.InvariantCulture), "test");
        }

        return new ScenarioContext(settings, 1, llm);
    }

    /// <summary>Runs one task by hand: Begin, then each routed agent and Next, as the engine does.</summary>
    private static async Task<(Orchestrator Task, Route Route, List<string> Order)> DriveAsync(ScenarioContext context, CoralQuestion? question = null)
    {
        var task = new Orchestrator("q#0", 0, 42, 0, question ?? Question);
        var (route, order) = await ScenarioDriver.RunAsync(new CoralScenario(), context, task);
        return (task, route, order);
    }

    private static object? Column(Orchestrator task, string name) => new CoralScenario().Columns.Single(c => c.Name == name).Value(task);

    [TestMethod]
    public void The_scenario_is_built_in_with_its_roles_and_columns()
    {
        var coral = BuiltInScenarios.All.Single(s => s.Name == "coral");

        CollectionAssert.AreEqual(new[] { "teacher", "student", "extractor", "matcher" }, coral.Roles.Select(r => r.Name).ToArray());
        CollectionAssert.AreEqual(new[] { AgentKind.Llm, AgentKind.Llm, AgentKind.Llm, AgentKind.Code }, coral.Roles.Select(r => r.Kind).ToArray());
        CollectionAssert.AreEqual(new[] { "agreement", "agreement_correctness", "turns" }, coral.Columns.Select(c => c.Name).ToArray());
        CollectionAssert.AreEqual(new[] { ColumnType.Bool, ColumnType.Bool, ColumnType.Int32 }, coral.Columns.Select(c => c.Type).ToArray());
    }

    [TestMethod]
    public async Task Agreement_on_the_right_answer_ends_the_task_after_the_students_reply()
    {
        var llm = new CoralScriptedLlm("Six sevens are 42. The correct answer is (B).", "I checked it too. The correct answer is (B).");

        var (task, route, order) = await DriveAsync(Context(llm));

        CollectionAssert.AreEqual(new[] { "teacher", "extractor", "matcher", "student", "extractor", "matcher" }, order);
        Assert.AreEqual(TaskOutcome.Success, route.Outcome);
        Assert.AreEqual("agreement", route.Reason);
        Assert.AreEqual(true, Column(task, "agreement"));
        Assert.AreEqual(true, Column(task, "agreement_correctness"));
        Assert.AreEqual(2, Column(task, "turns"));
    }

    [TestMethod]
    public async Task Agreement_on_a_wrong_answer_is_not_correct()
    {
        var llm = new CoralScriptedLlm("The correct answer is (C).", "Yes. The correct answer is (C).");

        var (task, route, _) = await DriveAsync(Context(llm));

        Assert.AreEqual("agreement", route.Reason);
        Assert.AreEqual(true, Column(task, "agreement"));
        Assert.AreEqual(false, Column(task, "agreement_correctness"));
    }

    [TestMethod]
    public async Task Disagreement_stops_at_max_turns_as_success_without_agreement()
    {
        var llm = new CoralScriptedLlm(
            "The correct answer is (A).",
            "No. The correct answer is (B).",
            "Still. The correct answer is (A).",
            "never reached");

        var (task, route, order) = await DriveAsync(Context(llm, maxTurns: 4));

        CollectionAssert.AreEqual(
            new[] { "teacher", "extractor", "matcher", "student", "extractor", "matcher", "teacher", "extractor", "matcher" },
            order);
        Assert.AreEqual(TaskOutcome.Success, route.Outcome);
        Assert.AreEqual("max_turns", route.Reason);
        Assert.AreEqual(false, Column(task, "agreement"));
        Assert.AreEqual(false, Column(task, "agreement_correctness"));
        Assert.AreEqual(3, Column(task, "turns"));
    }

    [TestMethod]
    public async Task The_default_max_turns_is_twenty_rated_turns()
    {
        var llm = new CoralScriptedLlm { Speak = r => r.Messages[1].Content == "hi" ? "The correct answer is (A)." : "The correct answer is (D)." };

        var (task, route, order) = await DriveAsync(Context(llm));

        Assert.AreEqual("max_turns", route.Reason);
        Assert.AreEqual(19, Column(task, "turns"));
        Assert.HasCount(19 * 3, order);
    }

    [TestMethod]
    public async Task An_unsure_or_invalid_reply_keeps_the_speakers_earlier_answer()
    {
        var llm = new CoralScriptedLlm(
            "The correct answer is (B).",
            "I am not sure yet.",
            "Let me think again. I am not sure yet.",
            "Maybe (Z)? That is not an option.",
            "I stay with it.",
            "You convinced me. The correct answer is (B).");

        var (task, route, _) = await DriveAsync(Context(llm));

        Assert.AreEqual("agreement", route.Reason);
        Assert.AreEqual(6, Column(task, "turns"));
        Assert.AreEqual(true, Column(task, "agreement_correctness"));
        var state = task.StateAs<CoralState>();
        Assert.AreEqual('B', state.TeacherAnswer);
        Assert.AreEqual('B', state.StudentAnswer);
        Assert.AreEqual(6, state.MatcherSteps);
    }

    [TestMethod]
    public async Task Messages_hold_the_opening_the_replies_and_the_extractions_with_their_roles()
    {
        var llm = new CoralScriptedLlm("T1 The correct answer is (A).", "S1 The correct answer is (B).", "T2 The correct answer is (B).");

        var (task, _, _) = await DriveAsync(Context(llm));

        var history = task.History;
        CollectionAssert.AreEqual(
            new[] { "student", "teacher", "extractor", "student", "extractor", "teacher", "extractor" },
            history.Select(t => t.Agent).ToArray());
        CollectionAssert.AreEqual(
            new[] { "user", "assistant", "assistant", "assistant", "assistant", "assistant", "assistant" },
            history.Select(t => t.Role).ToArray());
        Assert.AreEqual("I'm trying to solve this problem: \"What is 6 × 7?\"\nAnd the choices are:\n(A) 36\n(B) 42\n(C) 48\n(D) 54", history[0].Content);
        CollectionAssert.AreEqual(new[] { "(A)", "(B)", "(B)" }, history.Where(t => t.Agent == "extractor").Select(t => t.Content).ToArray());
        Assert.IsTrue(history.Skip(1).All(t => t.PromptTokens > 0 && t.CompletionTokens > 0));
        Assert.AreEqual(history.Sum(t => (long)t.PromptTokens), task.PromptTokens);
    }

    [TestMethod]
    public async Task Speakers_see_the_shared_system_prompt_and_their_own_turns_as_assistant()
    {
        var llm = new CoralScriptedLlm("T1 The correct answer is (A).", "S1 The correct answer is (B).", "T2 The correct answer is (B).");

        await DriveAsync(Context(llm));

        var requests = llm.Requests.ToList();
        var speakers = requests.Where(r => !CoralScriptedLlm.IsExtractor(r)).ToList();
        Assert.HasCount(3, speakers);
        var opening = "I'm trying to solve this problem: \"What is 6 × 7?\"\nAnd the choices are:\n(A) 36\n(B) 42\n(C) 48\n(D) 54";
        var system = speakers[0].Messages[0];
        Assert.AreEqual("system", system.Role);
        StringAssert.EndsWith(system.Content!, "The correct answer is (X)");
        Assert.IsTrue(speakers.All(r => r.Messages[0] == system));

        // Teacher, first: the student's opening is the user's message.
        AssertConversation(speakers[0], ("user", opening));

        // Student: its own opening is an assistant turn, so "hi" comes first.
        AssertConversation(speakers[1], ("user", "hi"), ("assistant", opening), ("user", "T1 The correct answer is (A)."));

        // Teacher, second: its own reply is the assistant turn.
        AssertConversation(
            speakers[2],
            ("user", opening),
            ("assistant", "T1 The correct answer is (A)."),
            ("user", "S1 The correct answer is (B)."));

        foreach (var r in speakers)
        {
            Assert.AreEqual(0.2, r.Temperature);
            Assert.AreEqual(0.9, r.TopP);
            Assert.AreEqual(1024, r.MaxTokens);
            Assert.AreEqual("q#0", r.TaskId);
        }

        Assert.AreEqual(3, speakers.Select(r => r.Seed).Distinct().Count());
    }

    [TestMethod]
    public async Task The_extractor_gets_question_options_and_the_last_reply_at_temperature_zero()
    {
        var llm = new CoralScriptedLlm("Six sevens. The correct answer is (B).", "Agreed. The correct answer is (B).");

        await DriveAsync(Context(llm));

        var extractions = llm.Requests.Where(CoralScriptedLlm.IsExtractor).ToList();
        Assert.HasCount(2, extractions);
        foreach (var r in extractions)
        {
            Assert.HasCount(2, r.Messages);
            Assert.AreEqual("system", r.Messages[0].Role);
            StringAssert.StartsWith(r.Messages[0].Content!, "Extract the final answer");
            Assert.AreEqual("user", r.Messages[1].Role);
            Assert.AreEqual(0, r.Temperature);
            Assert.AreEqual(32, r.MaxTokens);
        }

        Assert.AreEqual(
            "Question: What is 6 × 7?\nOptions:\n(A) 36\n(B) 42\n(C) 48\n(D) 54\nResponse: Six sevens. The correct answer is (B).",
            extractions[0].Messages[1].Content);
        StringAssert.EndsWith(extractions[1].Messages[1].Content!, "\nResponse: Agreed. The correct answer is (B).");
    }

    [TestMethod]
    public void Extraction_follows_matrix_not_sure_first_then_the_first_letter_if_it_is_an_option()
    {
        Assert.AreEqual('C', CoralAnswers.Extract("(C)", Question));
        Assert.AreEqual('A', CoralAnswers.Extract("The answer is (A), not (B).", Question));
        Assert.IsNull(CoralAnswers.Extract("Not sure yet (A)", Question));
        Assert.IsNull(CoralAnswers.Extract("(E)", Question));
        Assert.IsNull(CoralAnswers.Extract("(a) or B", Question));
        Assert.IsNull(CoralAnswers.Extract(string.Empty, Question));
        Assert.IsNull(CoralAnswers.Extract(null, Question));
        Assert.AreEqual('D', CoralAnswers.Extract("((D))", Question));
    }

    [TestMethod]
    public void A_task_without_state_has_null_columns_and_adds_nothing_to_the_metrics()
    {
        var task = new Orchestrator("bad#0", 0, 1, 0, new InputRow("bad", 0, null, "questions.jsonl:1: field 'options' is missing"));

        foreach (var column in new CoralScenario().Columns)
        {
            Assert.IsNull(column.Value(task), column.Name);
        }

        var metrics = new CoralScenario().CreateMetrics();
        metrics.Add(task);
        Assert.IsEmpty(metrics.Snapshot());
    }

    [TestMethod]
    public async Task A_speaker_that_is_not_due_refuses_to_run()
    {
        var context = Context(new CoralScriptedLlm("The correct answer is (A)."));
        var scenario = new CoralScenario();
        var task = new Orchestrator("q#0", 0, 1, 0, Question);
        scenario.Begin(task, context);

        await Assert.ThrowsExactlyAsync<InvalidOperationException>(async () => await scenario.CreateAgent("student", context).RunAsync(task, CancellationToken.None));
        await Assert.ThrowsExactlyAsync<InvalidOperationException>(async () => await scenario.CreateAgent("matcher", context).RunAsync(task, CancellationToken.None));
    }

    [TestMethod]
    public void Begin_rejects_an_input_that_is_not_a_question()
    {
        var context = Context(new CoralScriptedLlm());
        var task = new Orchestrator("x#0", 0, 1, 0, "not a question");

        Assert.ThrowsExactly<InvalidOperationException>(() => new CoralScenario().Begin(task, context));
    }

    [TestMethod]
    public async Task Metrics_are_the_means_of_agreement_correctness_and_turns()
    {
        var agreeRight = (await DriveAsync(Context(new CoralScriptedLlm("The correct answer is (B).", "The correct answer is (B).")))).Task;
        var agreeWrong = (await DriveAsync(Context(new CoralScriptedLlm("The correct answer is (A).", "The correct answer is (A).")))).Task;
        var none = (await DriveAsync(Context(new CoralScriptedLlm("The correct answer is (A).", "The correct answer is (C).", "The correct answer is (D)."), maxTurns: 4))).Task;

        var metrics = new CoralScenario().CreateMetrics();
        metrics.Add(agreeRight);
        metrics.Add(agreeWrong);
        metrics.Add(none);
        var snapshot = metrics.Snapshot();

        Assert.AreEqual(2.0 / 3, snapshot["agreement"], 1e-12);
        Assert.AreEqual(1.0 / 3, snapshot["agreement_correctness"], 1e-12);
        Assert.AreEqual((2 + 2 + 3) / 3.0, snapshot["turns"], 1e-12);
    }

    [TestMethod]
    public async Task On_the_engine_with_the_simulated_llm_every_sample_task_finishes_with_valid_columns()
    {
        var scenario = new CoralScenario();
        var schema = new SettingsSchema();
        EngineSettings.Declare(schema);
        scenario.DeclareSettings(schema);
        var settings = new RunSettings(schema);
        var llm = new SimulatedLlm(new SimFleetOptions { ZeroLatency = true }, new LlmCounters(), responders: BuiltInSim.Responders);
        var context = new ScenarioContext(settings, 3, llm);
        var sink = new CollectingSink();
        var engine = new RankEngine(scenario, context, new EngineOptions { Concurrency = 64, Seed = 3 }, sink);

        var summary = await engine.RunAsync(scenario.ReadInputAsync(new InputSource(null, 300), context, CancellationToken.None));

        Assert.HasCount(300, sink.Tasks);
        Assert.AreEqual(300L, summary.Succeeded);
        foreach (var task in sink.Tasks)
        {
            Assert.IsTrue(task.Reason is "agreement" or "max_turns", $"{task.Id}: {task.Reason} {task.Error}");
            var turns = (int)Column(task, "turns")!;
            Assert.IsTrue(turns is >= 1 and <= 19, $"{task.Id}: {turns} turns");
            Assert.AreEqual(task.Reason == "agreement", Column(task, "agreement"));
            Assert.AreEqual(turns, task.History.Count(t => t.Agent is "teacher" or "student") - 1);
            Assert.IsTrue(task.History.Where(t => t.Agent == "extractor").All(t => t.Content is "not sure yet" || t.Content is { Length: 3 } c && c[0] == '(' && c[2] == ')'));
        }

        Assert.IsTrue(sink.Tasks.Any(t => t.Reason == "agreement"));
        Assert.IsTrue(summary.Metrics["agreement"] > 0);
    }

    private static void AssertConversation(LlmRequest request, params (string Role, string Content)[] expected)
    {
        var actual = request.Messages.Skip(1).Select(m => (m.Role, m.Content ?? string.Empty)).ToArray();
        CollectionAssert.AreEqual(expected, actual, string.Join(" | ", actual.Select(m => $"{m.Role}: {m.Item2}")));
    }

    private sealed class CollectingSink : ITaskSink
    {
        public List<Orchestrator> Tasks { get; } = [];

        public SinkStatistics Statistics => new(Tasks.Count, 0, 0, []);

        public ValueTask WriteAsync(Orchestrator task, CancellationToken cancellationToken = default)
        {
            Tasks.Add(task);
            return ValueTask.CompletedTask;
        }

        public ValueTask FlushAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
