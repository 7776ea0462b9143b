using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Scenarios;
using Matrix.Scenarios.Nr;

using Matrix.Tests.Support;

namespace Matrix.Tests.Scenarios;

[TestClass]
public sealed class NrScenarioTests
{
    private const string English =
        "A car starts from rest and accelerates uniformly to 20 m/s in 4 seconds. Because the acceleration is constant, we compute "
        + "a = v / t = 5 m/s², and the distance is d = ½·a·t² = 40 m. Therefore the car travels 40 meters.";

    private const string German =
        "Ein Auto fährt aus dem Stand los und beschleunigt gleichmäßig in 4 Sekunden auf 20 m/s. Die Beschleunigung beträgt "
        + "a = v / t = 5 m/s², und die zurückgelegte Strecke ist d = 40 m.";

    private static ScenarioContext Context(ILlmClient llm, params (string Key, string Value)[] settings)
    {
        var schema = new SettingsSchema();
        new NrScenario().DeclareSettings(schema);
        var run = new RunSettings(schema);
        foreach (var (key, value) in settings)
        {
            run.Set(key, value, "test");
        }

        return new ScenarioContext(run, 1, llm);
    }

    /// <summary>Runs one task by hand: Begin, then each routed agent and Next, as the engine does.</summary>
    private static async Task<(Orchestrator Task, Route Route, List<string> Order)> DriveAsync(ScenarioContext context, NrDocument document)
    {
        var task = new Orchestrator("doc#0", 0, 42, 0, document);
        var (route, order) = await ScenarioDriver.RunAsync(new NrScenario(), context, task);
        Assert.IsLessThan(10, order.Count, "nr has at most three steps");
        return (task, route, order);
    }

    private static Task<(Orchestrator Task, Route Route, List<string> Order)> DriveAsync(NrScriptedLlm llm, string text = English, double? englishScore = null) =>
        DriveAsync(Context(llm), new NrDocument(text, "https://example.org/doc", englishScore));

    private static object? Column(Orchestrator task, string name) => new NrScenario().Columns.Single(c => c.Name == name).Value(task);

    [TestMethod]
    public void The_scenario_is_built_in_with_three_llm_roles_and_its_columns()
    {
        var nr = BuiltInScenarios.All.Single(s => s.Name == "nr");

        CollectionAssert.AreEqual(new[] { "filter", "score", "question" }, nr.Roles.Select(r => r.Name).ToArray());
        Assert.IsTrue(nr.Roles.All(r => r.Kind == AgentKind.Llm));
        CollectionAssert.AreEqual(
            new[] { "question", "answer", "category", "steps", "url", "language_score", "score_completeness", "score_complexity", "score_correctness", "score_reasoning" },
            nr.Columns.Select(c => c.Name).ToArray());
        CollectionAssert.AreEqual(
            new[] { ColumnType.Utf8, ColumnType.Utf8, ColumnType.Utf8, ColumnType.Utf8, ColumnType.Utf8, ColumnType.Float64, ColumnType.Int32, ColumnType.Int32, ColumnType.Int32, ColumnType.Int32 },
            nr.Columns.Select(c => c.Type).ToArray());
        CollectionAssert.AreEquivalent(new[] { typeof(NrDocument), typeof(NrState) }, nr.MessageTypes.ToArray());
    }

    [TestMethod]
    public void Settings_have_matrix_s_defaults_and_help()
    {
        var schema = new SettingsSchema();
        new NrScenario().DeclareSettings(schema);
        var settings = new RunSettings(schema);

        Assert.AreEqual(0.8, settings.GetDouble("nr.filter_en"));
        Assert.AreEqual(1.0, settings.GetDouble("nr.classifier_temperature"));
        Assert.AreEqual(0.95, settings.GetDouble("nr.classifier_top_p"));
        Assert.AreEqual(8, settings.GetInt("nr.classifier_max_tokens"));
        Assert.AreEqual(0.2, settings.GetDouble("nr.score_temperature"));
        Assert.AreEqual(10240, settings.GetInt("nr.score_max_tokens"));
        Assert.AreEqual(0.0, settings.GetDouble("nr.question_temperature"));
        Assert.AreEqual(20480, settings.GetInt("nr.question_max_tokens"));
        Assert.AreEqual(1000L, settings.GetLong("nr.sample_size"));
        foreach (var key in new[] { "nr.filter_en", "nr.score_max_tokens", "nr.sample_size" })
        {
            Assert.IsTrue(schema.TryGet(key, out var definition));
            Assert.IsFalse(string.IsNullOrWhiteSpace(definition.Help), key);
        }
    }

    [TestMethod]
    public async Task A_good_document_succeeds_with_its_question_answer_category_and_steps()
    {
        var llm = new NrScriptedLlm();

        var (task, route, order) = await DriveAsync(llm);

        CollectionAssert.AreEqual(new[] { "filter", "score", "question" }, order);
        Assert.AreEqual(TaskOutcome.Success, route.Outcome);
        Assert.AreEqual("success", route.Reason);
        Assert.AreEqual("A car accelerates from rest to 20 m/s in 4 s. How far does it travel?", Column(task, "question"));
        Assert.AreEqual("40 m", Column(task, "answer"));
        Assert.AreEqual("Physics", Column(task, "category"));
        Assert.AreEqual("[\"a = 20 / 4 = 5 m/s^2\",\"d = 0.5 * 5 * 4^2 = 40 m, so the answer is \\\\boxed{40}\"]", Column(task, "steps"));
        Assert.AreEqual("https://example.org/doc", Column(task, "url"));
        Assert.IsGreaterThanOrEqualTo(0.8, (double)Column(task, "language_score")!);
        CollectionAssert.AreEqual(new object[] { 3, 4, 3, 5 }, new[] { "completeness", "complexity", "correctness", "reasoning" }.Select(c => Column(task, "score_" + c)).ToArray());
    }

    [TestMethod]
    public async Task Messages_hold_the_document_as_the_user_turn_then_each_step_s_answer()
    {
        var llm = new NrScriptedLlm();

        var (task, _, _) = await DriveAsync(llm);

        var history = task.History;
        CollectionAssert.AreEqual(new[] { "document", "filter", "score", "question" }, history.Select(t => t.Agent).ToArray());
        CollectionAssert.AreEqual(new[] { "user", "assistant", "assistant", "assistant" }, history.Select(t => t.Role).ToArray());
        CollectionAssert.AreEqual(new[] { English, "Yes", NrScriptedLlm.GoodScore, NrScriptedLlm.GoodQuestion }, history.Select(t => t.Content).ToArray());
        Assert.AreEqual(0, history[0].PromptTokens);
        Assert.IsTrue(history.Skip(1).All(t => t.PromptTokens > 0 && t.CompletionTokens > 0));
        Assert.AreEqual(history.Sum(t => (long)t.CompletionTokens), task.CompletionTokens);
    }

    [TestMethod]
    public async Task Each_step_sends_its_system_prompt_the_document_and_its_sampling()
    {
        var llm = new NrScriptedLlm();
        var context = Context(llm, ("nr.classifier_max_tokens", "4"), ("nr.score_temperature", "0.5"), ("nr.question_max_tokens", "900"));

        await DriveAsync(context, new NrDocument(English, null, null));

        var requests = llm.Requests.ToList();
        Assert.HasCount(3, requests);
        CollectionAssert.AreEqual(new[] { NrPrompts.Classifier, NrPrompts.Score, NrPrompts.Question }, requests.Select(r => r.Messages[0].Content).ToArray());
        foreach (var r in requests)
        {
            Assert.HasCount(2, r.Messages);
            Assert.AreEqual("system", r.Messages[0].Role);
            Assert.AreEqual("user", r.Messages[1].Role);
            Assert.AreEqual(English, r.Messages[1].Content);
            Assert.AreEqual("doc#0", r.TaskId);
        }

        Assert.AreEqual((1.0, (double?)0.95, 4), (requests[0].Temperature, requests[0].TopP, requests[0].MaxTokens));
        Assert.AreEqual((0.5, (double?)null, 10240), (requests[1].Temperature, requests[1].TopP, requests[1].MaxTokens));
        Assert.AreEqual((0.0, (double?)null, 900), (requests[2].Temperature, requests[2].TopP, requests[2].MaxTokens));
        Assert.AreEqual(3, requests.Select(r => r.Seed).Distinct().Count());
    }

    [TestMethod]
    public async Task A_german_document_without_a_score_is_filtered_by_en_without_an_llm_call()
    {
        var llm = new NrScriptedLlm();

        var (task, route, order) = await DriveAsync(llm, German);

        CollectionAssert.AreEqual(new[] { "filter" }, order);
        Assert.AreEqual(TaskOutcome.Filtered, route.Outcome);
        Assert.AreEqual("filter_by_en", route.Reason);
        Assert.IsEmpty(llm.Requests);
        Assert.HasCount(1, task.History);
        Assert.IsLessThan(0.8, (double)Column(task, "language_score")!);
        Assert.IsNull(Column(task, "question"));
        Assert.IsNull(Column(task, "score_reasoning"));
        Assert.AreEqual("https://example.org/doc", Column(task, "url"));
    }

    [TestMethod]
    public async Task The_row_s_english_score_overrides_the_heuristic_both_ways()
    {
        var lowScoredEnglish = await DriveAsync(new NrScriptedLlm(), English, englishScore: 0.42);
        var highScoredGerman = await DriveAsync(new NrScriptedLlm(), German, englishScore: 0.93);

        Assert.AreEqual("filter_by_en", lowScoredEnglish.Route.Reason);
        Assert.AreEqual(0.42, Column(lowScoredEnglish.Task, "language_score"));
        Assert.AreEqual("success", highScoredGerman.Route.Reason);
        Assert.AreEqual(0.93, Column(highScoredGerman.Task, "language_score"));
    }

    [TestMethod]
    public async Task The_threshold_is_the_filter_en_setting()
    {
        var document = new NrDocument(English, null, 0.5);

        var strict = await DriveAsync(Context(new NrScriptedLlm()), document);
        var lenient = await DriveAsync(Context(new NrScriptedLlm(), ("nr.filter_en", "0.5")), document);

        Assert.AreEqual("filter_by_en", strict.Route.Reason);
        Assert.AreEqual("success", lenient.Route.Reason, "a score equal to the threshold passes (Matrix: >=)");
    }

    [TestMethod]
    [DataRow("Yes", true)]
    [DataRow(" Yes\n", true)]
    [DataRow("Yes.", true)]
    [DataRow("Yes!", true)]
    [DataRow("No", false)]
    [DataRow("yes", false)]
    [DataRow("YES", false)]
    [DataRow("Yes, it does.", false)]
    [DataRow("Yes..", false)]
    [DataRow("", false)]
    public async Task Only_a_yes_passes_the_classifier(string reply, bool passes)
    {
        var llm = new NrScriptedLlm { Classifier = reply };

        var (task, route, order) = await DriveAsync(llm);

        Assert.AreEqual(passes ? "success" : "filter_by_classifier", route.Reason);
        Assert.HasCount(passes ? 3 : 1, order);
        Assert.AreEqual(reply, task.History[1].Content);
        Assert.AreEqual(passes ? TaskOutcome.Success : TaskOutcome.Filtered, route.Outcome);
    }

    [TestMethod]
    [DataRow("I cannot score this document.", "filter_by_score_wo_json")]
    [DataRow("```json\n{\"completeness\": 3, \"complexity\": \n```", "filter_by_score_wo_json")]
    [DataRow("{'completeness': 3, 'complexity': 2, 'correctness': 3, 'reasoning': 2}", "filter_by_score_wo_json")]
    [DataRow("{\"completeness\": \"high\", \"complexity\": 2, \"correctness\": 3, \"reasoning\": 2}", "filter_by_score_wo_json")]
    [DataRow("{\"completeness\": 3, \"complexity\": 2, \"correctness\": 3}", "filter_by_score_wo_json")]
    [DataRow("{\"completeness\": 3, \"complexity\": 0, \"correctness\": 3, \"reasoning\": 2}", "filter_by_score")]
    [DataRow("```json\n{\"completeness\": -1, \"complexity\": 4, \"correctness\": 3, \"reasoning\": 2}\n```", "filter_by_score")]
    public async Task A_score_reply_without_four_criteria_or_with_one_at_zero_is_filtered(string reply, string reason)
    {
        var llm = new NrScriptedLlm { Score = reply };

        var (task, route, order) = await DriveAsync(llm);

        Assert.AreEqual(TaskOutcome.Filtered, route.Outcome);
        Assert.AreEqual(reason, route.Reason);
        CollectionAssert.AreEqual(new[] { "filter", "score" }, order);
        Assert.AreEqual(reply, task.History[^1].Content);
        Assert.AreEqual(reason == "filter_by_score", Column(task, "score_correctness") is 3, "scores are kept when they parsed");
        Assert.IsNull(Column(task, "question"));
    }

    [TestMethod]
    [DataRow("The document has no problem to ask about.", "filter_by_question_wo_json")]
    [DataRow("```json\n{\"exam_question\": \"Why?\", \"independent_answer\": [\"Step 1", "filter_by_question_wo_json")]
    [DataRow("{\"exam_question\": \"\", \"extracted_answer\": \"4\", \"independent_answer\": [\"\\\\boxed{4}\"]}", "filter_by_no_question")]
    [DataRow("{\"question_category\": \"Other\", \"extracted_answer\": \"4\", \"independent_answer\": [\"\\\\boxed{4}\"]}", "filter_by_no_question")]
    [DataRow("{\"exam_question\": \"2 + 2?\", \"extracted_answer\": \"4\", \"independent_answer\": []}", "filter_by_no_answer")]
    [DataRow("{\"exam_question\": \"2 + 2?\", \"extracted_answer\": \"4\"}", "filter_by_no_answer")]
    [DataRow("{\"exam_question\": \"2 + 2?\", \"extracted_answer\": \" \", \"independent_answer\": [\"\\\\boxed{4}\"]}", "filter_by_no_answer")]
    [DataRow("{\"exam_question\": \"2 + 2?\", \"extracted_answer\": \"4\", \"independent_answer\": [\"\\\\boxed{4}\", \"so it is 4\"]}", "filter_by_no_boxed_answer")]
    [DataRow("{\"exam_question\": \"2 + 2?\", \"extracted_answer\": \"4\", \"independent_answer\": [\"the answer is \\\\boxed 4\"]}", "filter_by_no_boxed_answer")]
    public async Task A_question_reply_that_is_not_usable_is_filtered_with_its_reason(string reply, string reason)
    {
        var llm = new NrScriptedLlm { Question = reply };

        var (task, route, order) = await DriveAsync(llm);

        Assert.AreEqual(TaskOutcome.Filtered, route.Outcome);
        Assert.AreEqual(reason, route.Reason);
        CollectionAssert.AreEqual(new[] { "filter", "score", "question" }, order);
        foreach (var column in new[] { "question", "answer", "category", "steps" })
        {
            Assert.IsNull(Column(task, column), column);
        }

        Assert.AreEqual(3, Column(task, "score_completeness"));
    }

    [TestMethod]
    public async Task A_question_with_latex_written_by_a_careless_model_still_counts()
    {
        // One backslash: strict JSON would read \b as a backspace and lose the \boxed{ the check needs.
        var llm = new NrScriptedLlm
        {
            Question = "Here it is: {\"exam_question\": \"What is \\frac{1}{2} of 8?\", \"question_category\": \" Mathematics \", "
                + "\"extracted_answer\": 4, \"independent_answer\": \"Half of 8 is \\boxed{4}.\"}",
        };

        var (task, route, _) = await DriveAsync(llm);

        Assert.AreEqual("success", route.Reason);
        Assert.AreEqual("What is \\frac{1}{2} of 8?", Column(task, "question"));
        Assert.AreEqual("4", Column(task, "answer"));
        Assert.AreEqual("Mathematics", Column(task, "category"));
        Assert.AreEqual("[\"Half of 8 is \\\\boxed{4}.\"]", Column(task, "steps"));
    }

    [TestMethod]
    public void A_task_without_state_has_null_columns_and_adds_nothing_to_the_metrics()
    {
        var task = new Orchestrator("bad#0", 0, 1, 0, new InputRow("bad", 0, null, "web.jsonl:1: field 'text' is missing"));

        foreach (var column in new NrScenario().Columns)
        {
            Assert.IsNull(column.Value(task), column.Name);
        }

        var metrics = new NrScenario().CreateMetrics();
        metrics.Add(task);
        Assert.IsEmpty(metrics.Snapshot());
    }

    [TestMethod]
    public async Task Metrics_are_the_pass_rates_of_each_step_that_was_reached()
    {
        var tasks = new List<Orchestrator>
        {
            (await DriveAsync(new NrScriptedLlm(), German)).Task,
            (await DriveAsync(new NrScriptedLlm { Classifier = "No" })).Task,
            (await DriveAsync(new NrScriptedLlm { Score = "none" })).Task,
            (await DriveAsync(new NrScriptedLlm { Question = "none" })).Task,
            (await DriveAsync(new NrScriptedLlm())).Task,
        };
        var metrics = new NrScenario().CreateMetrics();
        foreach (var task in tasks)
        {
            metrics.Add(task);
        }

        var snapshot = metrics.Snapshot();
        Assert.AreEqual(4 / 5.0, snapshot["en_pass_rate"], 1e-12);
        Assert.AreEqual(3 / 4.0, snapshot["classifier_pass_rate"], 1e-12);
        Assert.AreEqual(2 / 3.0, snapshot["score_pass_rate"], 1e-12);
        Assert.AreEqual(1 / 2.0, snapshot["question_pass_rate"], 1e-12);
        Assert.IsTrue(snapshot.ContainsKey("success_rate"));
    }

    [TestMethod]
    public void Begin_rejects_an_input_that_is_not_a_document_with_text()
    {
        var context = Context(new NrScriptedLlm());

        Assert.ThrowsExactly<InvalidOperationException>(() => new NrScenario().Begin(new Orchestrator("x#0", 0, 1, 0, "not a document"), context));
        Assert.ThrowsExactly<InvalidOperationException>(() => new NrScenario().Begin(new Orchestrator("y#0", 0, 1, 0, new NrDocument("https://a.b", 0.9)), context));
    }

    [TestMethod]
    public async Task A_step_out_of_order_refuses_to_run()
    {
        var context = Context(new NrScriptedLlm());
        var scenario = new NrScenario();
        var task = new Orchestrator("q#0", 0, 1, 0, new NrDocument(English, null, null));
        scenario.Begin(task, context);

        await Assert.ThrowsExactlyAsync<InvalidOperationException>(async () => await scenario.CreateAgent("question", context).RunAsync(task, CancellationToken.None));
        await scenario.CreateAgent("filter", context).RunAsync(task, CancellationToken.None);
        await Assert.ThrowsExactlyAsync<InvalidOperationException>(async () => await scenario.CreateAgent("filter", context).RunAsync(task, CancellationToken.None));
    }

    [TestMethod]
    public void The_prompts_carry_the_phrases_the_simulated_llm_recognises()
    {
        StringAssert.Contains(NrPrompts.Classifier, Matrix.Scenarios.Nr.Sim.NrClassifierResponder.Phrase);
        StringAssert.Contains(NrPrompts.Score, Matrix.Scenarios.Nr.Sim.NrScoreResponder.Phrase);
        StringAssert.Contains(NrPrompts.Question, Matrix.Scenarios.Nr.Sim.NrQuestionResponder.Phrase);
        StringAssert.EndsWith(NrPrompts.Question, Matrix.Scenarios.Nr.Sim.NrQuestionResponder.CategoriesPrefix + string.Join(", ", NrPrompts.Categories));
        Assert.AreEqual(17, NrPrompts.Categories.Distinct(StringComparer.Ordinal).Count());
    }
}
