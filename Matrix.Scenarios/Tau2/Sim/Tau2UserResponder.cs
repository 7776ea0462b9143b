using System.Text;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Tau2.Sim;

/// <summary>
/// tau2's user simulator: the system prompt starts with the customer guidelines (<see cref="Tau2SimPrompt.UserPrefix"/>)
/// and holds the task in <c>&lt;scenario&gt;</c>; the agent speaks as <c>user</c>, the customer's own turns are
/// <c>assistant</c>. The first reply states the reason for the call; later ones give a sentence of the known info
/// (id-like tokens included, for the agent's tool calls) and a little prose, or call one of the customer's own tools.
/// From the second turn on, ends with <see cref="Tau2SimPrompt.Stop"/> with a probability that rises with the turns
/// (always by <see cref="MaxTurns"/>), or with <see cref="Tau2SimPrompt.Transfer"/> when the agent spoke of a transfer.
/// </summary>
internal sealed class Tau2UserResponder : ISimResponder
{
    /// <summary>The customer's turn by which it always stops.</summary>
    public const int MaxTurns = 12;

    /// <summary>Probability of answering a transfer message with <see cref="Tau2SimPrompt.Transfer"/>.</summary>
    public const double TransferProbability = 0.5;

    /// <summary>Probability of calling an own tool instead of replying (after an own tool result: a third of it).</summary>
    public const double ToolProbability = 0.25;

    /// <summary>Probability that a later reply quotes the known info rather than any sentence of the scenario.</summary>
    private const double KnownInfoProbability = 0.8;

    public bool Matches(LlmRequest r) => Tau2SimPrompt.SystemStartsWith(r, Tau2SimPrompt.UserPrefix);

    /// <summary>
    /// The probability of stopping at the customer's <paramref name="turn"/>-th reply (1-based): never on the first,
    /// 0.15 on the second, rising by 0.15 a turn to 0.8; 1 from <see cref="MaxTurns"/>. Median about four turns.
    /// </summary>
    public static double StopProbability(int turn) => turn <= 1 ? 0 : turn >= MaxTurns ? 1 : Math.Min(0.8, 0.15 * (turn - 1));

    public SimAnswer Answer(LlmRequest r, ref SimRandom rng)
    {
        var system = Tau2SimPrompt.FirstSystem(r) ?? string.Empty;
        var body = system.AsMemory()[Tau2SimPrompt.ScenarioBody(system)];
        var messages = r.Messages;
        var turns = 0;
        string? agent = null;
        foreach (var m in messages)
        {
            if (m is { Role: "assistant", Content.Length: > 0 })
            {
                turns++;
            }
            else if (m is { Role: "user", Content: { } content })
            {
                agent = content;
            }
        }

        var budget = SimTokens.CharBudget(r.MaxTokens);
        if (turns == 0)
        {
            return Opening(body.Span, budget, ref rng);
        }

        var turn = turns + 1;
        if (agent is not null && agent.Contains("transfer", StringComparison.OrdinalIgnoreCase) && rng.Chance(TransferProbability))
        {
            return Ending(Tau2SimPrompt.Transfer, budget, ref rng);
        }

        if (rng.Chance(StopProbability(turn)))
        {
            return Ending(Tau2SimPrompt.Stop, budget, ref rng);
        }

        if (r.Tools is { Count: > 0 } tools && rng.Chance(messages[^1].Role == "tool" ? ToolProbability / 3 : ToolProbability))
        {
            var ownCalls = 0;
            foreach (var m in messages)
            {
                ownCalls += m is { Role: "assistant", ToolCalls: { } c } ? c.Count : 0;
            }

            var caller = new Tau2ToolCaller(messages, "user", body);
            var tool = Tau2ToolCaller.PickTool(tools, ownCalls, ref rng);
            return new SimAnswer(null, [caller.Call(tool, ref rng)], SimAnswer.ToolCallsReason);
        }

        return Reply(body.Span, budget, ref rng);
    }

    /// <summary>The reason for the call: one or two sentences of "Reason for call", else the first sentence of the instructions.</summary>
    private static SimAnswer Opening(ReadOnlySpan<char> body, int budget, ref SimRandom rng)
    {
        var sb = SimText.Rent();
        AppendPhrase(sb, rng.Pick(Tau2SimPrompt.CustomerOpeners));
        var hasReason = Tau2SimPrompt.TrySection(body, Tau2SimPrompt.ReasonHeading, out var reason);
        var from = hasReason ? body[reason]
            : Tau2SimPrompt.IsStructured(body) && Tau2SimPrompt.TrySection(body, Tau2SimPrompt.TaskHeading, out var task) ? body[task]
            : body;
        var count = hasReason ? 1 + rng.Next(2) : 1;
        var pos = 0;
        var any = false;
        for (var i = 0; i < count && Tau2TextScan.NextSentence(from, ref pos, out var start, out var length); i++)
        {
            AppendPhrase(sb, from.Slice(start, length));
            any = true;
        }

        if (!any)
        {
            AppendPhrase(sb, "I need some help with my account.");
        }

        return Finish(sb, budget);
    }

    /// <summary>A sentence of the known info (or of the scenario), preferring ones with id-like tokens, and a little prose.</summary>
    private static SimAnswer Reply(ReadOnlySpan<char> body, int budget, ref SimRandom rng)
    {
        var from = rng.Chance(KnownInfoProbability) && Tau2SimPrompt.TrySection(body, Tau2SimPrompt.KnownHeading, out var known) ? body[known] : body;
        var preferIds = rng.Chance(0.6);
        int all = 0, withIds = 0;
        for (var pos = 0; Tau2TextScan.NextSentence(from, ref pos, out var start, out var length);)
        {
            all++;
            withIds += HasIdToken(from.Slice(start, length)) ? 1 : 0;
        }

        var onlyIds = preferIds && withIds > 0;
        var target = all == 0 ? -1 : rng.Next(onlyIds ? withIds : all);
        var sb = SimText.Rent();
        for (var pos = 0; target >= 0 && Tau2TextScan.NextSentence(from, ref pos, out var start, out var length);)
        {
            var sentence = from.Slice(start, length);
            if ((!onlyIds || HasIdToken(sentence)) && target-- == 0)
            {
                AppendPhrase(sb, sentence);
            }
        }

        var phrases = SimText.HeavyTailedCount(ref rng, sb.Length == 0 ? 1 : 0, 1, 0.2, 4);
        for (var i = 0; i < phrases; i++)
        {
            AppendPhrase(sb, rng.Pick(Tau2SimPrompt.CustomerPhrases));
        }

        return Finish(sb, budget);
    }

    /// <summary>A closing phrase and the marker; the marker survives a tight budget, the phrase does not.</summary>
    private static SimAnswer Ending(string marker, int budget, ref SimRandom rng)
    {
        var closing = marker == Tau2SimPrompt.Stop ? rng.Pick(Tau2SimPrompt.CustomerClosings) : "Okay, I will wait for the human agent.";
        var text = closing.Length > 0 && closing.Length + 1 + marker.Length <= budget ? $"{closing} {marker}" : marker;
        return SimAnswer.Text(text);
    }

    private static SimAnswer Finish(StringBuilder sb, int budget)
    {
        var cut = SimText.Truncate(sb, budget);
        return SimAnswer.Text(SimText.ToStringAndReturn(sb), cut ? SimAnswer.Length : SimAnswer.Stop);
    }

    private static void AppendPhrase(StringBuilder sb, ReadOnlySpan<char> phrase)
    {
        if (phrase.IsEmpty)
        {
            return;
        }

        if (sb.Length > 0)
        {
            sb.Append(' ');
        }

        sb.Append(phrase);
    }

    private static bool HasIdToken(ReadOnlySpan<char> sentence)
    {
        var pos = 0;
        return Tau2TextScan.NextIdToken(sentence, ref pos, out _, out _);
    }
}
