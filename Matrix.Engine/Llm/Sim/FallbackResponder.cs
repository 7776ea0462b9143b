namespace Matrix.Engine.Llm.Sim;

/// <summary>Any prompt no other responder recognizes: a few sentences of generic prose.</summary>
internal sealed class FallbackResponder : ISimResponder
{
    public bool Matches(LlmRequest r) => true;

    public SimAnswer Answer(LlmRequest r, ref SimRandom rng)
    {
        var sentences = 2 + rng.Next(4);
        var budget = SimTokens.CharBudget(r.MaxTokens);
        var sb = SimText.Rent();
        SimText.AppendSentences(sb, ref rng, sentences, budget, 0);
        var cut = false;
        if (sb.Length == 0)
        {
            // Not even one sentence fits: the model is cut off mid-sentence.
            SimText.AppendSentence(sb, ref rng);
            cut = SimText.Truncate(sb, budget);
        }

        return SimAnswer.Text(SimText.ToStringAndReturn(sb), cut ? SimAnswer.Length : SimAnswer.Stop);
    }
}
