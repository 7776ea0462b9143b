using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Nr.Sim;

/// <summary>
/// nr's quality classifier (Matrix's fine-tuned 3B Yes/No model): a system prompt containing "Directly answer Yes
/// or No" and the web document as the user message. Says Yes with a probability that grows with the document's
/// quality signal (about 4 % for ads and menus, 88 % for worked problems), sometimes with a trailing stop.
/// </summary>
internal sealed class NrClassifierResponder : ISimResponder
{
    public const string Phrase = "Directly answer Yes or No";

    /// <summary>P(Yes) = floor + span x quality.</summary>
    public const double YesFloor = 0.04;
    public const double YesSpan = 0.84;

    private static readonly string[] Yes = ["Yes", "Yes", "Yes", "Yes", "Yes", "Yes", "Yes", "Yes", "Yes", "Yes."];
    private static readonly string[] No = ["No", "No", "No", "No", "No", "No.", "No."];

    public bool Matches(LlmRequest r) => SimPrompt.AnySystem(r, static s => s.Contains(Phrase, StringComparison.Ordinal));

    public SimAnswer Answer(LlmRequest r, ref SimRandom rng)
    {
        var quality = NrSimDocument.Quality(SimPrompt.LastUserContent(r));
        var answer = rng.Chance(YesFloor + (YesSpan * quality)) ? rng.Pick(Yes) : rng.Pick(No);
        var budget = SimTokens.CharBudget(r.MaxTokens);
        return answer.Length <= budget ? SimAnswer.Text(answer) : SimAnswer.Text(answer[..budget], SimAnswer.Length);
    }
}
