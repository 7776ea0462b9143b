namespace Matrix.Scenarios.Coral;

/// <summary>Pulls the chosen letter out of an extractor's reply, as Matrix's <c>normalize_answer</c> does.</summary>
internal static class CoralAnswers
{
    /// <summary>
    /// "not sure yet" (any case) means no answer; otherwise the first match of <c>\(([A-Z])\)</c>. The letter
    /// counts only when it names one of the question's options.
    /// </summary>
    public static char? Extract(string? reply, CoralQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        if (string.IsNullOrEmpty(reply) || reply.Contains(CoralPrompts.NotSureYet, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var letter = FirstParenthesizedLetter(reply);
        return letter is { } l && question.IsOption(l) ? l : null;
    }

    /// <summary>The first <c>(X)</c> with X in A-Z, like the regex <c>\(([A-Z])\)</c>; null when there is none.</summary>
    public static char? FirstParenthesizedLetter(ReadOnlySpan<char> text)
    {
        var from = 0;
        while (from + 2 < text.Length)
        {
            var open = text[from..].IndexOf('(');
            if (open < 0)
            {
                return null;
            }

            var at = from + open;
            if (at + 2 < text.Length && text[at + 1] is >= 'A' and <= 'Z' && text[at + 2] == ')')
            {
                return text[at + 1];
            }

            from = at + 1;
        }

        return null;
    }
}
