using Matrix.Engine.Agents;
using Matrix.Engine.Llm.Sim;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Scenarios.Nr.Sim;

namespace Matrix.Scenarios.Nr;

/// <summary>
/// NaturalReasoning curation (the NaturalReasoning case study of Meta's Matrix): web documents go filter → score → question, and each ends
/// <c>success</c> or <c>filtered</c> with the reason of the step that dropped it (<see cref="NrReasons"/>).
/// The filter checks the English score (no LLM call) and then asks a Yes/No classifier; the scorer rates four
/// criteria as JSON, all of which must be above 0; the question writer returns an exam question, its category,
/// the document's answer and an independent solution whose last step holds <c>\boxed{}</c>.
/// Written against the engine's public scenario API only.
/// </summary>
internal sealed class NrScenario : Scenario
{
    public const string Filter = "filter";
    public const string Score = "score";
    public const string Question = "question";

    /// <summary>The agent name of the opening turn, the document itself (role user).</summary>
    public const string DocumentAgent = "document";

    public const string FilterEnKey = "nr.filter_en";
    public const string ClassifierTemperatureKey = "nr.classifier_temperature";
    public const string ClassifierTopPKey = "nr.classifier_top_p";
    public const string ClassifierMaxTokensKey = "nr.classifier_max_tokens";
    public const string ScoreTemperatureKey = "nr.score_temperature";
    public const string ScoreMaxTokensKey = "nr.score_max_tokens";
    public const string QuestionTemperatureKey = "nr.question_temperature";
    public const string QuestionMaxTokensKey = "nr.question_max_tokens";
    public const string SampleSizeKey = "nr.sample_size";
    public const string ClassifierPromptKey = "nr.prompts.classifier";
    public const string ScorePromptKey = "nr.prompts.score";
    public const string QuestionPromptKey = "nr.prompts.question";

    private static readonly string[] Criteria = ["completeness", "complexity", "correctness", "reasoning"];

    public override string Name => "nr";

    public override string Description => "curates web documents into reasoning questions: English check and classifier, rubric score, exam question (NaturalReasoning)";

    public override IReadOnlyList<RoleSpec> Roles { get; } =
    [
        new(Filter, AgentKind.Llm),
        new(Score, AgentKind.Llm),
        new(Question, AgentKind.Llm),
    ];

    public override IReadOnlyList<OutputColumn> Columns { get; } = BuildColumns();

    public override IReadOnlyList<Type> MessageTypes { get; } = [typeof(NrDocument), typeof(NrState)];

    public override IReadOnlyList<ISimResponder> SimResponders { get; } = [new NrClassifierResponder(), new NrScoreResponder(), new NrQuestionResponder()];

    public override void DeclareSettings(SettingsSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        schema.Double(FilterEnKey, 0.8, "A document whose English score (the row's language score, else a stop-word heuristic) is below this ends filter_by_en, with no LLM call.", 0, 1)
            .Double(ClassifierTemperatureKey, 1.0, "Sampling temperature of the Yes/No quality classifier.", 0, 2)
            .Double(ClassifierTopPKey, 0.95, "Nucleus sampling (top_p) of the classifier.", 0, 1)
            .Int(ClassifierMaxTokensKey, 8, "Largest reply of the classifier, in tokens.", 1, 1_000_000)
            .Double(ScoreTemperatureKey, 0.2, "Sampling temperature of the rubric scorer.", 0, 2)
            .Int(ScoreMaxTokensKey, 10240, "Largest reply of the rubric scorer, in tokens.", 1, 1_000_000)
            .Double(QuestionTemperatureKey, 0.0, "Sampling temperature of the question writer.", 0, 2)
            .Int(QuestionMaxTokensKey, 20480, "Largest reply of the question writer, in tokens.", 1, 1_000_000)
            .Long(SampleSizeKey, 1000, "Documents of the built-in sample when neither --input nor --tasks is given.", 1)
            .String(ClassifierPromptKey, NrPrompts.Classifier, "The classifier's system prompt (the user message is the document); any answer but Yes drops the document.")
            .String(ScorePromptKey, NrPrompts.Score, "The scorer's system prompt: the reply must hold a JSON object with completeness, complexity, correctness and reasoning (0-5).")
            .String(QuestionPromptKey, NrPrompts.Question, "The question writer's system prompt: the reply must hold a JSON object with exam_question, question_category, "
                + "extracted_answer and independent_answer. The simulated LLM recognizes the defaults' wording only.");
    }

    public override IAsyncEnumerable<InputRow> ReadInputAsync(InputSource source, ScenarioContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Path is { } path)
        {
            return NrLoader.ReadAsync(path, source.Limit, cancellationToken);
        }

        ArgumentNullException.ThrowIfNull(context);
        return SampleRowsAsync(source.Limit ?? context.Settings.GetLong(SampleSizeKey), cancellationToken);
    }

    // Not ToAsyncEnumerable(): FASTER brings System.Linq.Async, whose AsyncEnumerable clashes with the framework's.
    private static async IAsyncEnumerable<InputRow> SampleRowsAsync(long count, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var (id, index, document) in NrSampleData.Rows(count, cancellationToken))
        {
            yield return new InputRow(id, index, document);
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public override IAgent CreateAgent(string role, ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var s = context.Settings;
        return role switch
        {
            Filter => new NrFilterAgent(
                context.Llm,
                s.GetDouble(FilterEnKey),
                new NrSampling(s.GetDouble(ClassifierTemperatureKey), s.GetDouble(ClassifierTopPKey), s.GetInt(ClassifierMaxTokensKey)),
                s.GetString(ClassifierPromptKey)!),
            Score => new NrScoreAgent(context.Llm, new NrSampling(s.GetDouble(ScoreTemperatureKey), null, s.GetInt(ScoreMaxTokensKey)), s.GetString(ScorePromptKey)!),
            Question => new NrQuestionAgent(context.Llm, new NrSampling(s.GetDouble(QuestionTemperatureKey), null, s.GetInt(QuestionMaxTokensKey)), s.GetString(QuestionPromptKey)!),
            _ => throw new ArgumentException($"nr has no role '{role}'", nameof(role)),
        };
    }

    /// <summary>Makes the document the opening user turn (what every step's model reads) and hands the task to the filter.</summary>
    public override Route Begin(Orchestrator task, ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.Input is not NrDocument { Text: { } text })
        {
            throw new InvalidOperationException($"nr expects a web document as input, got {task.Input?.GetType().Name ?? "nothing"}");
        }

        task.State = new NrState();
        task.Append(new Turn(DocumentAgent, ChatRoles.User, text));
        return Route.To(Filter);
    }

    /// <summary>filter → score → question → success; a rejection at any step ends the task as filtered with its reason.</summary>
    public override Route Next(Orchestrator task, ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(task);
        var state = task.StateAs<NrState>();
        if (state.Rejection is { } reason)
        {
            return Route.Filter(reason);
        }

        return state.Stage switch
        {
            NrStage.Filtered => Route.To(Score),
            NrStage.Scored => Route.To(Question),
            NrStage.Questioned => Route.Succeed(NrReasons.Success),
            _ => throw new InvalidOperationException($"nr: task {task.Id} came back from a step without finishing it"),
        };
    }

    public override ScenarioMetrics CreateMetrics() => new NrMetrics();

    private static List<OutputColumn> BuildColumns()
    {
        // The question's fields only for a kept document: a dropped one's partial answers are not training data.
        var columns = new List<OutputColumn>
        {
            new("question", ColumnType.Utf8, t => Kept(t)?.Question),
            new("answer", ColumnType.Utf8, t => Kept(t)?.Answer),
            new("category", ColumnType.Utf8, t => Kept(t)?.Category),
            new("steps", ColumnType.Utf8, t => Kept(t)?.StepsJson),
            new("url", ColumnType.Utf8, t => (t.Input as NrDocument)?.Url),
            new("language_score", ColumnType.Float64, t => (t.State as NrState)?.EnglishScore),
        };
        for (var i = 0; i < Criteria.Length; i++)
        {
            var criterion = i;
            columns.Add(new("score_" + Criteria[i], ColumnType.Int32, t => (t.State as NrState)?.Scores is { } s ? (object)s[criterion] : null));
        }

        return columns;
    }

    /// <summary>The state of a task that passed every step (the one Next ends with success).</summary>
    private static NrState? Kept(Orchestrator task) => task.State is NrState { Rejection: null, Stage: NrStage.Questioned } s ? s : null;
}
