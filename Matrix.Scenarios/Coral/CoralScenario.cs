using Matrix.Engine.Agents;
using Matrix.Engine.Llm.Sim;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Scenarios.Coral.Sim;

namespace Matrix.Scenarios.Coral;

/// <summary>
/// Collaborative Reasoner (the Coral case study of Meta's Matrix): a teacher and a student discuss a multiple-choice question.
/// After each of their replies an extractor (LLM) pulls the chosen letter out of it and a matcher (code)
/// checks whether both agree. Order: teacher → extractor → matcher → student → extractor → matcher →
/// teacher → …; the task ends on agreement or when <c>coral.max_turns</c> rated turns are reached.
/// Written against the engine's public scenario API only.
/// </summary>
internal sealed class CoralScenario : Scenario
{
    public const string Teacher = "teacher";
    public const string Student = "student";
    public const string Extractor = "extractor";
    public const string Matcher = "matcher";

    public const string MaxTurnsKey = "coral.max_turns";
    public const string TemperatureKey = "coral.temperature";
    public const string TopPKey = "coral.top_p";
    public const string MaxTokensKey = "coral.max_tokens";
    public const string ExtractorMaxTokensKey = "coral.extractor_max_tokens";
    public const string SampleSizeKey = "coral.sample_size";
    public const string DiscussionPromptKey = "coral.prompts.discussion";
    public const string ExtractorPromptKey = "coral.prompts.extractor";

    /// <summary>Reasons in the <c>reason</c> column of a finished task.</summary>
    public const string AgreementReason = "agreement";
    public const string MaxTurnsReason = "max_turns";

    /// <summary>The last context's max_turns, read once per run instead of once per step.</summary>
    private volatile RunLimits? _limits;

    public override string Name => "coral";

    public override string Description => "teacher and student LLMs discuss multiple-choice questions until they agree (Collaborative Reasoner)";

    public override IReadOnlyList<RoleSpec> Roles { get; } =
    [
        new(Teacher, AgentKind.Llm),
        new(Student, AgentKind.Llm),
        new(Extractor, AgentKind.Llm),
        new(Matcher, AgentKind.Code),
    ];

    public override IReadOnlyList<OutputColumn> Columns { get; } =
    [
        new("agreement", ColumnType.Bool, t => t.State is CoralState s ? s.Agreement : null),
        new("agreement_correctness", ColumnType.Bool, t => t.State is CoralState s ? s.AgreementCorrectness : null),
        new("turns", ColumnType.Int32, t => t.State is CoralState s ? s.Turns : null),
    ];

    public override void DeclareSettings(SettingsSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        schema.Int(MaxTurnsKey, 20, "A discussion stops after this many rated turns (matcher steps + 1) without agreement.", 1, 100_000)
            .Double(TemperatureKey, 0.2, "Sampling temperature of the teacher and the student.", 0, 2)
            .Double(TopPKey, 0.9, "Nucleus sampling (top_p) of the teacher and the student.", 0, 1)
            .Int(MaxTokensKey, 1024, "Largest reply of the teacher and the student, in tokens.", 1, 1_000_000)
            .Int(ExtractorMaxTokensKey, 32, "Largest reply of the answer extractor (temperature 0), in tokens.", 1, 1_000_000)
            .Long(SampleSizeKey, 1000, "Rows of the built-in sample when neither --input nor --tasks is given.", 1)
            .String(DiscussionPromptKey, CoralPrompts.Discussion, "The system prompt of the teacher and the student. The matcher reads the extractor's letter, so "
                + "keep asking for a final answer; the simulated LLM recognizes the default's wording only.")
            .String(ExtractorPromptKey, CoralPrompts.Extractor, "The extractor's system prompt: it must make the model answer '(X)' or 'not sure yet'.");
    }

    public override IAsyncEnumerable<InputRow> ReadInputAsync(InputSource source, ScenarioContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Path is { } path)
        {
            return CoralLoader.ReadAsync(path, source.Limit, cancellationToken);
        }

        ArgumentNullException.ThrowIfNull(context);
        var count = source.Limit ?? context.Settings.GetLong(SampleSizeKey);
        return SampleRowsAsync(count, cancellationToken);
    }

    // Not ToAsyncEnumerable(): FASTER brings System.Linq.Async, whose AsyncEnumerable clashes with the framework's.
    private static async IAsyncEnumerable<InputRow> SampleRowsAsync(long count, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var r in CoralSampleData.Rows(count, cancellationToken))
        {
            yield return new InputRow(r.Id, r.Index, r.Question);
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public override IAgent CreateAgent(string role, ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = context.Settings;
        return role switch
        {
            Teacher or Student => new CoralSpeakerAgent(
                role,
                context.Llm,
                new CoralSampling(settings.GetDouble(TemperatureKey), settings.GetDouble(TopPKey), settings.GetInt(MaxTokensKey)),
                settings.GetString(DiscussionPromptKey)!),
            Extractor => new CoralExtractorAgent(context.Llm, settings.GetInt(ExtractorMaxTokensKey), settings.GetString(ExtractorPromptKey)!),
            Matcher => new CoralMatcherAgent(),
            _ => throw new ArgumentException($"coral has no role '{role}'", nameof(role)),
        };
    }

    /// <summary>Adds the student's opening message (question and lettered options) and hands the task to the teacher.</summary>
    public override Route Begin(Orchestrator task, ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.Input is not CoralQuestion question)
        {
            throw new InvalidOperationException($"coral expects a multiple-choice question as input, got {task.Input?.GetType().Name ?? "nothing"}");
        }

        task.State = new CoralState { Phase = CoralPhase.Speaking };
        task.Append(new Turn(Student, ChatRoles.User, CoralPrompts.Opening(question)));
        return Route.To(Teacher);
    }

    /// <summary>speaker → extractor → matcher, then stop on agreement or max_turns, else the other speaker.</summary>
    public override Route Next(Orchestrator task, ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(task);
        var state = task.StateAs<CoralState>();
        switch (state.Phase)
        {
            case CoralPhase.Speaking:
                state.Phase = CoralPhase.Extracting;
                return Route.To(Extractor);
            case CoralPhase.Extracting:
                state.Phase = CoralPhase.Matching;
                return Route.To(Matcher);
            default:
                if (state.Agreement)
                {
                    return Route.Succeed(AgreementReason);
                }

                if (state.RatedTurns >= MaxTurns(context))
                {
                    return Route.Succeed(MaxTurnsReason);
                }

                state.Phase = CoralPhase.Speaking;
                return Route.To(state.NextSpeaker);
        }
    }

    public override IReadOnlyList<Type> MessageTypes { get; } = [typeof(CoralQuestion), typeof(CoralState)];

    /// <summary>Tried in this order, the first that matches answers (the extractor's prompt is the more specific).</summary>
    public override IReadOnlyList<ISimResponder> SimResponders { get; } = [new AnswerExtractorResponder(), new MultipleChoiceResponder()];

    public override ScenarioMetrics CreateMetrics() => new CoralMetrics();

    private int MaxTurns(ScenarioContext context)
    {
        var limits = _limits;
        if (limits is null || !ReferenceEquals(limits.Context, context))
        {
            ArgumentNullException.ThrowIfNull(context);
            _limits = limits = new RunLimits(context, context.Settings.GetInt(MaxTurnsKey));
        }

        return limits.MaxTurns;
    }

    private sealed record RunLimits(ScenarioContext Context, int MaxTurns);
}
