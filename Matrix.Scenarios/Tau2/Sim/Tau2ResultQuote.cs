using System.Text;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Tau2.Sim;

/// <summary>
/// How the simulated tau2 agent's reply refers to the last tool result, so that its prose carries what the tools
/// returned (as a real agent's would) rather than only stock phrases.
/// </summary>
internal static class Tau2ResultQuote
{
    /// <summary>
    /// Appends a sentence that quotes the tool result <paramref name="result"/>: one of its <c>"key": "value"</c>
    /// pairs, its error, or the whole text when it is short. False when there is nothing to quote.
    /// </summary>
    public static bool Append(StringBuilder sb, string result, ref SimRandom rng)
    {
        var text = result.AsSpan().Trim();
        if (text.IsEmpty)
        {
            return false;
        }

        if (text.StartsWith("Error:", StringComparison.Ordinal))
        {
            var error = text["Error:".Length..].Trim();
            sb.Append("I ran into a problem: ").Append(error[..Math.Min(error.Length, 120)]).Append('.');
            return true;
        }

        var count = 0;
        var pos = 0;
        while (count < 32 && Tau2JsonScan.NextStringPair(text, ref pos, out _, out _))
        {
            count++;
        }

        if (count > 0)
        {
            var target = rng.Next(count);
            pos = 0;
            Range key = default, value = default;
            for (var i = 0; i <= target; i++)
            {
                Tau2JsonScan.NextStringPair(text, ref pos, out key, out value);
            }

            sb.Append(rng.Chance(0.5) ? "I can see that the " : "According to our records, the ");
            foreach (var c in text[key])
            {
                sb.Append(c == '_' ? ' ' : c);
            }

            sb.Append(" is ").Append(text[value]).Append('.');
            return true;
        }

        if (text.Length <= 120 && text[0] is not '{' and not '[')
        {
            sb.Append("The system says: ").Append(text).Append('.');
            return true;
        }

        return false;
    }
}
