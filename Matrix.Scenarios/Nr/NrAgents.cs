using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;

namespace Matrix.Scenarios.Nr;

/// <summary>Sampling of one nr LLM step (<c>nr.&lt;step&gt;_temperature</c>, <c>_max_tokens</c>; top_p only for the classifier).</summary>
internal sealed record NrSampling(double Temperature, double? TopP, int MaxTokens);

/// <summary>
/// The <c>filter</c> role: the English check, then the classifier. The row's English score (or, without one,
/// <see cref="NrEnglish"/>'s heuristic) below <c>nr.filter_en</c> drops the document as <c>filter_by_en</c>
/// with no LLM call, as in Matrix; otherwise the classifier is asked, and any answer but Yes drops it as
/// <c>filter_by_classifier</c>.
/// </summary>
internal sealed class NrFilterAgent(ILlmClient llm, double threshold, NrSampling sampling, string classifierPrompt) : IAgent
{
    private readonly NrClassifierAgent _classifier = new(llm, sampling, classifierPrompt);

    public ValueTask RunAsync(Orchestrator task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var state = NrAgents.Expect(task, NrStage.Begun, NrScenario.Filter);
        var english = task.InputAs<NrDocument>().EnglishScore ?? NrEnglish.Score(NrAgents.Document(task));
        state.EnglishScore = english;
        if (english < threshold)
        {
            state.Stage = NrStage.Filtered;
            state.Rejection = NrReasons.ByEn;
            return ValueTask.CompletedTask;
        }

        return _classifier.RunAsync(task, cancellationToken);
    }

    private sealed class NrClassifierAgent(ILlmClient llm, NrSampling sampling, string prompt)
        : NrLlmStep(NrScenario.Filter, llm, prompt, sampling, NrStage.Begun, NrStage.Filtered)
    {
        protected override void Judge(NrState state, string? reply)
        {
            if (!NrReplies.IsYes(reply))
            {
                state.Rejection = NrReasons.ByClassifier;
            }
        }
    }
}

/// <summary>The <c>score</c> role: the rubric; no usable JSON → <c>filter_by_score_wo_json</c>, a criterion ≤ 0 → <c>filter_by_score</c>.</summary>
internal sealed class NrScoreAgent(ILlmClient llm, NrSampling sampling, string prompt)
    : NrLlmStep(NrScenario.Score, llm, prompt, sampling, NrStage.Filtered, NrStage.Scored, NrSchemas.Score)
{
    protected override void Judge(NrState state, string? reply)
    {
        var scores = NrReplies.ParseScores(reply);
        state.Scores = scores;
        if (scores is null)
        {
            state.Rejection = NrReasons.ByScoreWithoutJson;
        }
        else if (!NrReplies.Passes(scores))
        {
            state.Rejection = NrReasons.ByScore;
        }
    }
}

/// <summary>The <c>question</c> role: the exam question, its category, the document's answer and an independent solution.</summary>
internal sealed class NrQuestionAgent(ILlmClient llm, NrSampling sampling, string prompt)
    : NrLlmStep(NrScenario.Question, llm, prompt, sampling, NrStage.Scored, NrStage.Questioned, NrSchemas.Question)
{
    protected override void Judge(NrState state, string? reply)
    {
        var result = NrReplies.ParseQuestion(reply);
        state.Rejection = result.Rejection;
        if (result.Rejection is null)
        {
            state.Question = result.Question;
            state.Category = result.Category;
            state.Answer = result.Answer;
            state.StepsJson = NrReplies.StepsJson(result.Steps!);
        }
    }
}

/// <summary>
/// One nr LLM call: the step's system prompt and the document as the user message (what the model sees, as in
/// Matrix). The reply is recorded as this agent's assistant turn, so <c>messages</c> reads: the document (user),
/// then the classifier's, the scorer's and the question writer's answers to it. The step runs only on a task
/// whose last step was <paramref name="after"/>, and moves it to <paramref name="reached"/>. A step whose reply is JSON
/// asks for it with <paramref name="format"/> (<see cref="NrSchemas"/>).
/// </summary>
internal abstract class NrLlmStep(string role, ILlmClient llm, string systemPrompt, NrSampling sampling, NrStage after, NrStage reached, ResponseFormat? format = null)
    : LlmAgent(role, llm)
{
    protected override IReadOnlyList<ChatMessage> BuildMessages(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        NrAgents.Expect(task, after, Role);
        return [ChatMessage.System(systemPrompt), ChatMessage.User(NrAgents.Document(task))];
    }

    protected override LlmRequest ConfigureRequest(LlmRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request with { Temperature = sampling.Temperature, TopP = sampling.TopP, MaxTokens = sampling.MaxTokens, ResponseFormat = format };
    }

    protected override void OnResponse(Orchestrator task, LlmResponse response)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(response);
        task.Append(ToTurn(response));
        var state = task.StateAs<NrState>();
        state.Stage = reached;
        Judge(state, response.Content);
    }

    /// <summary>Reads the reply into the state, with the rejection if the document is dropped.</summary>
    protected abstract void Judge(NrState state, string? reply);
}

/// <summary>What every nr agent checks and reads.</summary>
internal static class NrAgents
{
    /// <summary>The document: the task's opening user turn (see <see cref="NrDocument"/> for why not the input).</summary>
    public static string Document(Orchestrator task)
    {
        var history = task.History;
        if (history.Count == 0 || history[0] is not { Agent: NrScenario.DocumentAgent, Content: { } text })
        {
            throw new InvalidOperationException($"task {task.Id} has no document turn (was it begun by nr?)");
        }

        return text;
    }

    /// <summary>The state, after checking that the task was routed here in order and not already dropped.</summary>
    public static NrState Expect(Orchestrator task, NrStage stage, string role)
    {
        var state = task.StateAs<NrState>();
        if (state.Stage != stage || state.Rejection is not null)
        {
            throw new InvalidOperationException($"nr routed a task to the {role} after stage {state.Stage}{(state.Rejection is null ? string.Empty : $" ({state.Rejection})")}");
        }

        return state;
    }
}
