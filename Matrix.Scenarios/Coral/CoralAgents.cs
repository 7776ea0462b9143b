using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;

namespace Matrix.Scenarios.Coral;

/// <summary>Sampling of the teacher and the student (<c>coral.temperature</c>, <c>coral.top_p</c>, <c>coral.max_tokens</c>).</summary>
internal sealed record CoralSampling(double Temperature, double TopP, int MaxTokens);

/// <summary>
/// The teacher or the student. It sees the shared system prompt, then the teacher's and the student's
/// turns alternating user/assistant from its own side (its own turns are assistant), with a "hi" user
/// message first when needed so that the conversation starts with a user message, as in Matrix.
/// </summary>
internal sealed class CoralSpeakerAgent(string role, ILlmClient llm, CoralSampling sampling, string systemPrompt) : LlmAgent(role, llm)
{
    protected override IReadOnlyList<ChatMessage> BuildMessages(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.StateAs<CoralState>().NextSpeaker != Role)
        {
            throw new InvalidOperationException($"coral routed the task to the {Role} when the {task.StateAs<CoralState>().NextSpeaker} was to speak");
        }

        var history = task.History;
        var discussion = 0;
        for (var i = 0; i < history.Count; i++)
        {
            if (IsSpeaker(history[i].Agent))
            {
                discussion++;
            }
        }

        // Matrix: the speakers' texts in order, "hi" in front when their count is even, then user/assistant
        // alternating from the first. That makes every turn of this agent an assistant message.
        var messages = new List<ChatMessage>(discussion + 2) { ChatMessage.System(systemPrompt) };
        var userNext = true;
        if (discussion % 2 == 0)
        {
            messages.Add(ChatMessage.User(CoralPrompts.Hi));
            userNext = false;
        }

        for (var i = 0; i < history.Count; i++)
        {
            var turn = history[i];
            if (IsSpeaker(turn.Agent))
            {
                messages.Add(new ChatMessage(userNext ? ChatRoles.User : ChatRoles.Assistant, turn.Content ?? string.Empty));
                userNext = !userNext;
            }
        }

        return messages;
    }

    protected override LlmRequest ConfigureRequest(LlmRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request with { Temperature = sampling.Temperature, TopP = sampling.TopP, MaxTokens = sampling.MaxTokens };
    }

    protected override void OnResponse(Orchestrator task, LlmResponse response)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(response);
        var state = task.StateAs<CoralState>();
        task.Append(ToTurn(response));
        state.Turns++;
    }

    internal static bool IsSpeaker(string agent) => agent is CoralScenario.Teacher or CoralScenario.Student;
}

/// <summary>
/// The answer extractor: an LLM call at temperature 0 with at most <c>coral.extractor_max_tokens</c>
/// tokens that gets the question, the options and the last reply, and answers <c>(X)</c> or "not sure
/// yet". Its turn is recorded (agent <c>extractor</c>, role assistant); the letter goes to the state.
/// </summary>
internal sealed class CoralExtractorAgent(ILlmClient llm, int maxTokens, string systemPrompt) : LlmAgent(CoralScenario.Extractor, llm)
{
    protected override IReadOnlyList<ChatMessage> BuildMessages(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var question = task.InputAs<CoralQuestion>();
        return
        [
            ChatMessage.System(systemPrompt),
            ChatMessage.User(CoralPrompts.ExtractorTask(question, LastReply(task))),
        ];
    }

    protected override LlmRequest ConfigureRequest(LlmRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request with { Temperature = 0, TopP = null, MaxTokens = maxTokens };
    }

    protected override void OnResponse(Orchestrator task, LlmResponse response)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(response);
        var state = task.StateAs<CoralState>();
        task.Append(ToTurn(response));
        state.Extracted = CoralAnswers.Extract(response.Content, task.InputAs<CoralQuestion>());
    }

    /// <summary>The latest teacher or student reply: normally the last turn, so this is one step.</summary>
    private static string? LastReply(Orchestrator task)
    {
        var history = task.History;
        for (var i = history.Count - 1; i >= 0; i--)
        {
            if (CoralSpeakerAgent.IsSpeaker(history[i].Agent))
            {
                return history[i].Content;
            }
        }

        throw new InvalidOperationException("the extractor ran before the teacher or the student replied");
    }
}

/// <summary>
/// The answer matcher (pure code): files the extracted letter under the speaker who gave it (an invalid
/// extraction keeps that speaker's earlier answer, as Matrix's backwards walk does), then sets agreement
/// (both answered, same letter) and agreement correctness (agreement on the ground truth).
/// </summary>
internal sealed class CoralMatcherAgent : CodeAgent
{
    protected override void Run(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var state = task.StateAs<CoralState>();
        var speaker = state.LastSpeaker ?? throw new InvalidOperationException("the matcher ran before the teacher or the student replied");
        if (state.Extracted is { } letter)
        {
            if (speaker == CoralScenario.Teacher)
            {
                state.TeacherAnswer = letter;
            }
            else
            {
                state.StudentAnswer = letter;
            }

            state.Extracted = null;
        }

        state.MatcherSteps++;
        state.Agreement = state.TeacherAnswer is { } t && state.StudentAnswer == t;
        state.AgreementCorrectness = state.Agreement && state.TeacherAnswer == task.InputAs<CoralQuestion>().Answer;
    }
}
