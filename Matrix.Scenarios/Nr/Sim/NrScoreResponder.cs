using System.Text;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Nr.Sim;

/// <summary>
/// nr's rubric scorer: a system prompt containing "Score the document on four criteria" and the document as the
/// user message. Answers a JSON object of four integer scores (1-5, higher for better documents), now and then with
/// one criterion at 0, in a fenced block, bare, or inside prose. About one reply in twenty is unusable: cut off,
/// prose only, a Python dict, or words instead of numbers.
/// </summary>
internal sealed class NrScoreResponder : ISimResponder
{
    public const string Phrase = "Score the document on four criteria";

    public const double BrokenProbability = 0.05;

    /// <summary>P(one criterion is 0) = floor + span x (1 - quality).</summary>
    public const double ZeroFloor = 0.05;
    public const double ZeroSpan = 0.35;

    /// <summary>Probability of Matrix's positional key names (<c>criteria_1</c> ...) instead of the asked-for ones.</summary>
    public const double PositionalKeys = 0.15;

    private static readonly string[] Named = ["completeness", "complexity", "correctness", "reasoning"];
    private static readonly string[] Positional = ["criteria_1", "criteria_2", "criteria_3", "criteria_4"];

    private static readonly string[] Leads =
    [
        "Here is my assessment of the document.",
        "I evaluated the document against the rubric.",
        "After reading the document carefully, these are the scores.",
    ];

    private static readonly string[] Tails =
    [
        "The document explains its steps but leaves some assumptions implicit.",
        "Overall the text is technical, although parts of it are only sketched.",
        "The scores reflect how much of the reasoning is spelled out in the text.",
    ];

    public bool Matches(LlmRequest r) => SimPrompt.AnySystem(r, static s => s.Contains(Phrase, StringComparison.Ordinal));

    public SimAnswer Answer(LlmRequest r, ref SimRandom rng)
    {
        var quality = NrSimDocument.Quality(SimPrompt.LastUserContent(r));
        var sb = SimText.Rent();
        var finish = SimAnswer.Stop;
        if (rng.Chance(BrokenProbability))
        {
            finish = AppendBroken(sb, ref rng);
        }
        else
        {
            Span<int> scores = stackalloc int[4];
            var top = 1 + (int)(quality * 3.5);
            for (var i = 0; i < scores.Length; i++)
            {
                scores[i] = Math.Clamp(top + rng.Next(3) - 1, 1, 5);
            }

            if (rng.Chance(ZeroFloor + (ZeroSpan * (1 - quality))))
            {
                scores[rng.Next(4)] = 0;
            }

            var keys = rng.Chance(PositionalKeys) ? Positional : Named;
            var framing = NrSimDocument.PickFraming(ref rng);
            NrSimDocument.AppendOpening(sb, framing, rng.Pick(Leads));
            sb.Append("{\n");
            for (var i = 0; i < scores.Length; i++)
            {
                sb.Append("  \"").Append(keys[i]).Append("\": ").Append(scores[i]).Append(i < scores.Length - 1 ? ",\n" : "\n");
            }

            sb.Append('}');
            NrSimDocument.AppendClosing(sb, framing, rng.Pick(Tails));
        }

        if (SimText.Truncate(sb, SimTokens.CharBudget(r.MaxTokens)))
        {
            finish = SimAnswer.Length;
        }

        return SimAnswer.Text(SimText.ToStringAndReturn(sb), finish);
    }

    /// <summary>A reply no JSON reader can use; returns its finish reason (a cut-off reply ran out of tokens).</summary>
    private static string AppendBroken(StringBuilder sb, ref SimRandom rng)
    {
        switch (rng.Next(4))
        {
            case 0:
                sb.Append(rng.Pick(Leads)).Append("\n\n```json\n{\n  \"completeness\": 3,\n  \"complexity\": ");
                return SimAnswer.Length;
            case 1:
                sb.Append("The document does not contain enough technical content for me to score it reliably against the rubric.");
                break;
            case 2:
                sb.Append("{'completeness': 3, 'complexity': 2, 'correctness': 3, 'reasoning': 2}");
                break;
            default:
                sb.Append("```json\n{\"completeness\": \"high\", \"complexity\": \"medium\", \"correctness\": \"high\", \"reasoning\": \"low\"}\n```");
                break;
        }

        return SimAnswer.Stop;
    }
}
