using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;

namespace HelloScenario;

/// <summary>
/// What the simulated LLM (<c>--llm sim</c>, <c>sim-server</c>) answers to the poet: a few short lines on the topic,
/// sometimes too few words for the critic, so the retry loop runs without a real model.
/// </summary>
internal sealed class PoemResponder : ISimResponder
{
    private static readonly string[] Words =
    [
        "quiet", "morning", "light", "river", "slowly", "turns", "silver", "wind", "remembers", "stone",
        "over", "the", "hills", "and", "every", "shadow", "sings", "of", "home", "falls",
    ];

    // Recognize the poet by its system prompt (PoemScenario.Poet); any other prompt goes to the next responder.
    public bool Matches(LlmRequest r) =>
        SimPrompt.AnySystem(r, static s => s.StartsWith("You are a poet.", StringComparison.Ordinal));

    // Only rng's draws vary the poem, so the same seed gives the same poem in-process and over HTTP.
    public SimAnswer Answer(LlmRequest r, ref SimRandom rng)
    {
        var topic = SimPrompt.LastUserContent(r) is { } ask && ask.LastIndexOf(" about ", StringComparison.Ordinal) is var at and >= 0
            ? ask[(at + 7)..].TrimEnd('.')
            : "nothing";
        var sb = SimText.Rent();
        sb.Append("Of ").Append(topic).Append(',');
        for (int line = 0, lines = 1 + rng.Next(5); line < lines; line++)
        {
            sb.Append('\n');
            for (int word = 0, words = 3 + rng.Next(4); word < words; word++)
            {
                sb.Append(word == 0 ? "" : " ").Append(rng.Pick(Words));
            }
        }

        var cut = SimText.Truncate(sb, SimTokens.CharBudget(r.MaxTokens));
        return SimAnswer.Text(SimText.ToStringAndReturn(sb), cut ? SimAnswer.Length : SimAnswer.Stop);
    }
}
