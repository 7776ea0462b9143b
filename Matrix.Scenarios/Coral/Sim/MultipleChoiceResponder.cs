using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Coral.Sim;

/// <summary>
/// Coral's teacher and student: a system prompt that says how to end ("The correct answer is (X)"), a question
/// with lettered options. Replies with heavy-tailed reasoning prose, then usually a claim. When the other party
/// claimed a letter in the last user message, agrees with it more often than chance, so discussions converge.
/// </summary>
internal sealed class MultipleChoiceResponder : ISimResponder
{
    /// <summary>Probability of adopting the other party's claimed letter.</summary>
    public const double AgreeProbability = 0.55;

    /// <summary>Probability of ending with a claim rather than "I am not sure yet.".</summary>
    public const double ClaimProbability = 0.9;

    public const string Unsure = "I am not sure yet.";

    // "The correct answer is (L)."
    private const int ClaimLength = 26;

    public bool Matches(LlmRequest r) => SimPrompt.AnySystem(r, CoralSimPrompt.ContainsClaim);

    public SimAnswer Answer(LlmRequest r, ref SimRandom rng)
    {
        var options = CoralSimPrompt.OptionLetters(r);
        var claimed = CoralSimPrompt.FindClaim(SimPrompt.LastUserContent(r), last: true);
        var agree = claimed != '\0' && (options & CoralSimPrompt.Bit(claimed)) != 0 && rng.Chance(AgreeProbability);
        var letter = agree ? claimed : CoralSimPrompt.NthOption(options, rng.Next((int)uint.PopCount(options)));
        var sure = rng.Chance(ClaimProbability);
        var sentences = SimText.HeavyTailedCount(ref rng, 2, 7, 0.3);

        var budget = SimTokens.CharBudget(r.MaxTokens);
        var endingLength = sure ? ClaimLength : Unsure.Length;
        var sb = SimText.Rent();
        SimText.AppendSentences(sb, ref rng, sentences, budget, endingLength + 1);
        if (sb.Length > 0)
        {
            sb.Append(' ');
        }

        if (sure)
        {
            sb.Append(CoralSimPrompt.ClaimPrefix).Append(letter).Append(").");
        }
        else
        {
            sb.Append(Unsure);
        }

        var cut = SimText.Truncate(sb, budget);
        return SimAnswer.Text(SimText.ToStringAndReturn(sb), cut ? SimAnswer.Length : SimAnswer.Stop);
    }
}
