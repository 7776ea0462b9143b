using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Coral.Sim;

/// <summary>
/// Coral's answer extractor: the system prompt starts with "Extract the final answer"; the last user message holds
/// the reply to read after a line starting with "Response:". Answers "(L)" for the first parenthesized capital
/// letter there, else "not sure yet" (also, rarely, when one is there: extractors are not perfect).
/// </summary>
internal sealed class AnswerExtractorResponder : ISimResponder
{
    public const string SystemPrefix = "Extract the final answer";
    public const string ResponsePrefix = "Response:";
    public const string NotSure = "not sure yet";

    /// <summary>Probability of answering "not sure yet" although a letter is there.</summary>
    public const double MissProbability = 0.03;

    public bool Matches(LlmRequest r) =>
        SimPrompt.AnySystem(r, static s => s.AsSpan().TrimStart().StartsWith(SystemPrefix, StringComparison.Ordinal));

    public SimAnswer Answer(LlmRequest r, ref SimRandom rng)
    {
        var letter = '\0';
        if (SimPrompt.LastUserContent(r) is { } text && SimPrompt.TryAfterLinePrefix(text, ResponsePrefix, out var reply))
        {
            letter = CoralSimPrompt.FirstParenthesizedLetter(reply);
        }

        var miss = rng.Chance(MissProbability);
        var answer = letter != '\0' && !miss ? CoralSimPrompt.Parenthesized(letter) : NotSure;
        var budget = SimTokens.CharBudget(r.MaxTokens);
        return answer.Length <= budget ? SimAnswer.Text(answer) : SimAnswer.Text(answer[..budget], SimAnswer.Length);
    }
}
