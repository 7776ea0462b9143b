using System.Globalization;
using System.Text.RegularExpressions;
using Matrix.Engine.Orchestration;

namespace Matrix.Engine.Llm.Sim;

/// <summary>
/// What the simulated LLM answers when a prompt no scenario responder recognized asks for a choice in a form it can
/// read: "answer Yes or No" gets <c>Yes</c> or <c>No</c>; lettered options with a request for the letter get one of
/// the letters (in the prompt's own form when it shows one, such as <c>The correct answer is (X)</c>); a score or
/// rating "from 1 to 10" (or "between 1 and 5", "on a scale of 0 to 3") gets a whole number in that range. So a
/// workflow written in YAML is testable on the simulated LLM without a responder of its own.
/// </summary>
internal sealed partial class ChoiceResponder : ISimResponder
{
    public bool Matches(LlmRequest r) => Read(r) is not null;

    public SimAnswer Answer(LlmRequest r, ref SimRandom rng)
    {
        var ask = Read(r)!;
        var text = ask switch
        {
            { Kind: Kind.YesNo } => rng.Chance(0.5) ? "Yes" : "No",
            { Kind: Kind.Letter } => ask.Form.Replace("X", ask.Letters[rng.Next(ask.Letters.Length)].ToString(), StringComparison.Ordinal),
            _ => (ask.Low + rng.Next(ask.High - ask.Low + 1)).ToString(CultureInfo.InvariantCulture),
        };
        return SimAnswer.Text(text, SimAnswer.Stop);
    }

    /// <summary>
    /// The choice the request asks for, read from its system messages and its last user message together (the
    /// instruction is often in one, the options in the other); null when it asks for none.
    /// </summary>
    private static Ask? Read(LlmRequest r)
    {
        var text = string.Join('\n', r.Messages.Where(m => m.Role == ChatRoles.System).Select(m => m.Content)
            .Append(r.Messages.LastOrDefault(m => m.Role == ChatRoles.User)?.Content));
        if (YesNo().IsMatch(text))
        {
            return new Ask(Kind.YesNo, string.Empty, [], 0, 0);
        }

        var letters = Options().Matches(text).Select(o => o.Groups[1].Value[0]).Distinct().ToArray();
        var form = FormX().Match(text);
        if (letters.Length >= 2 && (form.Success || Letter().IsMatch(text)))
        {
            return new Ask(Kind.Letter, form.Success ? form.Value : "(X)", letters, 0, 0);
        }

        if (Range().Match(text) is { Success: true } range
            && int.TryParse(range.Groups["low"].Value, CultureInfo.InvariantCulture, out var low)
            && int.TryParse(range.Groups["high"].Value, CultureInfo.InvariantCulture, out var high)
            && high > low && high - low <= 1000)
        {
            return new Ask(Kind.Number, string.Empty, [], low, high);
        }

        return null;
    }

    [GeneratedRegex(@"\b(answer|reply|respond)\b[^.\n]{0,40}\byes or no\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex YesNo();

    [GeneratedRegex(@"(?m)^\s*\(?([A-J])\)\s+\S")]
    private static partial Regex Options();

    [GeneratedRegex(@"\b(letter|option)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Letter();

    /// <summary>A form such as <c>The correct answer is (X)</c> or <c>Answer: X</c> in the prompt.</summary>
    [GeneratedRegex(@"[A-Za-z][A-Za-z ]{0,40}\(X\)|Answer: X\b")]
    private static partial Regex FormX();

    [GeneratedRegex(@"\b(score|rate|rating|scale|number|integer|grade)\b[^.\n]{0,40}?\b(from|between|of)\s+(?<low>\d+)\s+(to|and|-)\s+(?<high>\d+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Range();

    private enum Kind
    {
        YesNo,
        Letter,
        Number,
    }

    private sealed record Ask(Kind Kind, string Form, char[] Letters, int Low, int High);
}
