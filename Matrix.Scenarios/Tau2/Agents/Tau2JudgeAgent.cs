using System.Text;
using System.Text.Json;
using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;
using Matrix.Scenarios.Tau2.Data;

namespace Matrix.Scenarios.Tau2.Agents;

/// <summary>
/// The NL_ASSERTION judge: an LLM at temperature 0 reads the conversation and says, per assertion of the task,
/// whether it was met (tau2-bench's <c>NLAssertionsEvaluator</c>). All met → 1.0, any not → 0.0; a reply that is not
/// the expected JSON leaves the component null (not judged) rather than guessing. Its answer is grading, not
/// training data, so it adds no turn to the conversation.
/// </summary>
internal sealed class Tau2JudgeAgent(Tau2Domain domain, ILlmClient llm, int maxTokens) : LlmAgent(Tau2Conversation.Judge, llm)
{
    protected override IReadOnlyList<ChatMessage> BuildMessages(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var spec = domain.Task(task.InputAs<Tau2TaskRef>().TaskId);
        var transcript = new StringBuilder();
        foreach (var turn in task.History)
        {
            if (turn.Agent is Tau2Conversation.Assistant or Tau2Conversation.User && !string.IsNullOrEmpty(turn.Content))
            {
                transcript.Append(turn.Agent == Tau2Conversation.User ? "user" : "assistant").Append(": ").Append(turn.Content).Append('\n');
            }
        }

        return [ChatMessage.System(Tau2Prompts.JudgeInstruction), ChatMessage.User(Tau2Prompts.JudgeUser(transcript.ToString().TrimEnd(), spec.NlAssertions))];
    }

    protected override LlmRequest ConfigureRequest(LlmRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request with { Temperature = 0, TopP = null, MaxTokens = maxTokens, ResponseFormat = Tau2JudgeSchema.Format };
    }

    protected override void OnResponse(Orchestrator task, LlmResponse response)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(response);
        var state = task.StateAs<Tau2State>();
        var spec = domain.Task(task.InputAs<Tau2TaskRef>().TaskId);
        var verdict = Verdict(response.Content, spec.NlAssertions.Count);
        if (state.Reward is { } reward)
        {
            state.Reward = reward with { Nl = verdict };
        }
    }

    /// <summary>1.0 when every expected outcome was met, 0.0 when one was not, null when the reply is not the expected JSON.</summary>
    internal static double? Verdict(string? content, int expected)
    {
        if (string.IsNullOrWhiteSpace(content))
        {
            return null;
        }

        var start = content.IndexOf('{', StringComparison.Ordinal);
        var end = content.LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(content.AsMemory(start, end - start + 1));
            if (!doc.RootElement.TryGetProperty("results", out var results) || results.ValueKind != JsonValueKind.Array || results.GetArrayLength() != expected)
            {
                return null;
            }

            var all = true;
            foreach (var r in results.EnumerateArray())
            {
                if (!r.TryGetProperty("metExpectation", out var met) || met.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return null;
                }

                all &= met.GetBoolean();
            }

            return all ? 1.0 : 0.0;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
