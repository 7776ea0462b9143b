using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Tau2.Sim;

/// <summary>
/// tau2's customer service agent: the system prompt starts with the agent instructions (<see cref="Tau2SimPrompt.AssistantPrefix"/>),
/// the customer speaks as <c>user</c>, tool results come back as <c>tool</c> messages. With tools, answers a customer
/// message with a valid tool call (read tools first) most of the time, and keeps calling for a heavy-tailed run
/// (the chance to go on grows with the run, up to <see cref="MaxRun"/>); then replies in prose that quotes the last
/// tool result. Without tools it only ever replies.
/// </summary>
internal sealed class Tau2AssistantResponder : ISimResponder
{
    /// <summary>Probability of answering a customer message with a tool call rather than a reply.</summary>
    public const double FirstCallProbability = 0.7;

    /// <summary>The longest run of tool calls before a reply to the customer.</summary>
    public const int MaxRun = 12;

    /// <summary>Probability of mentioning a transfer to a human agent in a reply (after a transfer call: always).</summary>
    public const double TransferMentionProbability = 0.02;

    public bool Matches(LlmRequest r) => Tau2SimPrompt.SystemStartsWith(r, Tau2SimPrompt.AssistantPrefix);

    public SimAnswer Answer(LlmRequest r, ref SimRandom rng)
    {
        var messages = r.Messages;
        var run = 0;
        var transferred = false;
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            var m = messages[i];
            if (m.Role == "tool")
            {
                continue;
            }

            if (m is not { Role: "assistant", ToolCalls.Count: > 0 })
            {
                break;
            }

            transferred |= run == 0 && Tau2SimPrompt.IsTransferTool(m.ToolCalls[^1].Name);
            run++;
        }

        var last = messages.Count > 0 ? messages[^1].Role : null;
        if (r.Tools is { Count: > 0 } tools && !transferred && last is "user" or "tool" && run < MaxRun)
        {
            // After a call, the chance of another rises with the run: P(run >= 4) ~ 0.18, P(run >= 8) ~ 0.05.
            var p = run == 0 ? FirstCallProbability : Math.Min(0.75, 0.45 + (0.06 * run));
            if (rng.Chance(p))
            {
                var caller = new Tau2ToolCaller(messages, "user", ReadOnlyMemory<char>.Empty);
                var tool = Tau2ToolCaller.PickTool(tools, CallsSoFar(messages), ref rng);
                return new SimAnswer(null, [caller.Call(tool, ref rng)], SimAnswer.ToolCallsReason);
            }
        }

        return Reply(r, transferred, ref rng);
    }

    private static int CallsSoFar(IReadOnlyList<ChatMessage> messages)
    {
        var calls = 0;
        foreach (var m in messages)
        {
            if (m is { Role: "assistant", ToolCalls: { } c })
            {
                calls += c.Count;
            }
        }

        return calls;
    }

    private static SimAnswer Reply(LlmRequest r, bool transferred, ref SimRandom rng)
    {
        string? lastResult = null;
        for (var i = r.Messages.Count - 1; i >= 0 && lastResult is null; i--)
        {
            if (r.Messages[i] is { Role: "tool", Content: { } content })
            {
                lastResult = content;
            }
        }

        var budget = SimTokens.CharBudget(r.MaxTokens);
        var sb = SimText.Rent();
        if (lastResult is not null)
        {
            Tau2ResultQuote.Append(sb, lastResult, ref rng);
        }

        var closing = transferred || rng.Chance(TransferMentionProbability) ? Tau2SimPrompt.TransferSentence
            : lastResult is null ? rng.Pick(Tau2SimPrompt.AgentQuestions)
            : rng.Pick(Tau2SimPrompt.AgentClosings);
        var sentences = SimText.HeavyTailedCount(ref rng, 0, 2, 0.25, 32);
        SimText.AppendSentences(sb, ref rng, sentences, budget, closing.Length + 1);
        if (sb.Length > 0)
        {
            sb.Append(' ');
        }

        sb.Append(closing);
        var cut = SimText.Truncate(sb, budget);
        return SimAnswer.Text(SimText.ToStringAndReturn(sb), cut ? SimAnswer.Length : SimAnswer.Stop);
    }
}
