using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Tau2.Sim;

/// <summary>
/// tau2's NL-assertion judge: the system prompt starts with <see cref="Tau2SimPrompt.JudgePrefix"/>, the last user
/// message lists the expected outcomes as <c>- outcome</c> lines inside <c>&lt;expectedOutcomes&gt;</c>. Answers JSON
/// only, <c>{"results": [{"expectedOutcome", "reasoning", "metExpectation"}]}</c>, one entry per outcome in order,
/// each met with <see cref="MetProbability"/>; with <see cref="MalformedProbability"/> the JSON is cut short, so
/// the scenario's "could not be judged" path runs too.
/// </summary>
internal sealed class Tau2JudgeResponder : ISimResponder
{
    public const double MetProbability = 0.7;

    public const double MalformedProbability = 0.03;

    private const string Open = "<expectedOutcomes>\n";
    private const string Close = "</expectedOutcomes>";

    public bool Matches(LlmRequest r) => Tau2SimPrompt.SystemStartsWith(r, Tau2SimPrompt.JudgePrefix);

    public SimAnswer Answer(LlmRequest r, ref SimRandom rng)
    {
        var outcomes = Outcomes(SimPrompt.LastUserContent(r));
        var sb = SimText.Rent();
        sb.Append("{\"results\": [");
        var first = true;
        for (var pos = 0; NextOutcome(outcomes, ref pos, out var outcome);)
        {
            if (!first)
            {
                sb.Append(", ");
            }

            first = false;
            var met = rng.Chance(MetProbability);
            sb.Append("{\"expectedOutcome\": \"");
            SimJson.AppendJsonEscaped(sb, outcome);
            sb.Append("\", \"reasoning\": \"").Append(rng.Pick(met ? Tau2SimPrompt.MetReasons : Tau2SimPrompt.UnmetReasons));
            if (rng.Chance(0.3))
            {
                SimText.AppendSentence(sb, ref rng); // SimText prose has no quotes or backslashes
            }

            sb.Append("\", \"metExpectation\": ").Append(met ? "true" : "false").Append('}');
        }

        sb.Append("]}");
        if (rng.Chance(MalformedProbability))
        {
            // Cut somewhere in the second half: the closing brace is always gone, so it never parses.
            sb.Length = (sb.Length / 2) + rng.Next(sb.Length - (sb.Length / 2));
        }

        var cut = SimText.Truncate(sb, SimTokens.CharBudget(r.MaxTokens));
        return SimAnswer.Text(SimText.ToStringAndReturn(sb), cut ? SimAnswer.Length : SimAnswer.Stop);
    }

    /// <summary>The lines between the last <c>&lt;expectedOutcomes&gt;</c> and its closing tag.</summary>
    private static ReadOnlySpan<char> Outcomes(string? text)
    {
        var span = text.AsSpan();
        var open = span.LastIndexOf(Open, StringComparison.Ordinal);
        if (open < 0)
        {
            return [];
        }

        span = span[(open + Open.Length)..];
        var close = span.IndexOf(Close, StringComparison.Ordinal);
        return close >= 0 ? span[..close] : span;
    }

    /// <summary>
    /// The next outcome: a line that starts with <c>- </c>, with the lines that follow it up to the next such line
    /// (an outcome with a line break of its own stays whole).
    /// </summary>
    private static bool NextOutcome(ReadOnlySpan<char> lines, ref int pos, out ReadOnlySpan<char> outcome)
    {
        while (pos < lines.Length)
        {
            var lineStart = pos;
            var lineEnd = LineEnd(lines, pos);
            pos = Math.Min(lineEnd + 1, lines.Length);
            if (!lines[lineStart..].StartsWith("- ", StringComparison.Ordinal))
            {
                continue;
            }

            var end = lineEnd;
            while (pos < lines.Length && !lines[pos..].StartsWith("- ", StringComparison.Ordinal))
            {
                end = LineEnd(lines, pos);
                pos = Math.Min(end + 1, lines.Length);
            }

            outcome = lines[(lineStart + 2)..end].TrimEnd("\r\n");
            return true;
        }

        outcome = default;
        return false;
    }

    private static int LineEnd(ReadOnlySpan<char> lines, int from)
    {
        var nl = lines[from..].IndexOf('\n');
        return nl < 0 ? lines.Length : from + nl;
    }
}
