namespace Matrix.Scenarios.Tau2.Sim;

/// <summary>
/// Allocation-free scans of prose (the customer's words, the scenario): id-like tokens, which fill tool arguments and
/// make the customer's replies useful to the agent, and sentences, which the customer quotes from its task.
/// </summary>
internal static class Tau2TextScan
{
    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '#' or '-';

    /// <summary>The next run of letters, digits, <c>_ # -</c> at or after <paramref name="pos"/> that looks like an id.</summary>
    public static bool NextIdToken(ReadOnlySpan<char> text, ref int pos, out int start, out int length)
    {
        while (pos < text.Length)
        {
            while (pos < text.Length && !IsTokenChar(text[pos]))
            {
                pos++;
            }

            var s = pos;
            while (pos < text.Length && IsTokenChar(text[pos]))
            {
                pos++;
            }

            var e = pos;
            while (e > s && text[e - 1] is '-' or '#')
            {
                e--;
            }

            if (IsIdLike(text[s..e]))
            {
                (start, length) = (s, e - s);
                return true;
            }
        }

        (start, length) = (0, 0);
        return false;
    }

    /// <summary>
    /// <c>#W1234567</c>, <c>user_1</c>, <c>task_2</c>, <c>12345</c>: digits with a letter, <c>#</c> or
    /// <c>_</c> (or five of them), or an underscore between letters; never a JSON key-like lone word.
    /// </summary>
    public static bool IsIdLike(ReadOnlySpan<char> token)
    {
        if (token.Length < 2 || token.Length > 64)
        {
            return false;
        }

        int digits = 0, letters = 0, marks = 0;
        foreach (var c in token)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if (char.IsAsciiLetter(c))
            {
                letters++;
            }
            else if (c is '_' or '#')
            {
                marks++;
            }
        }

        return digits > 0 ? letters + marks > 0 || digits >= 5 : marks > 0 && letters > 0 && token[0] != '_' && token[^1] != '_';
    }

    /// <summary>Whether <paramref name="token"/> (past a leading <c>#</c>) starts with <paramref name="stem"/>, ignoring case.</summary>
    public static bool HasStem(ReadOnlySpan<char> token, string stem) =>
        stem.Length >= 2 && token.TrimStart('#').StartsWith(stem, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The next sentence of <paramref name="text"/> at or after <paramref name="pos"/>: up to and including
    /// <c>. ! ?</c> followed by white space, or up to the end of the line; list bullets and blank lines skipped.
    /// </summary>
    public static bool NextSentence(ReadOnlySpan<char> text, ref int pos, out int start, out int length)
    {
        while (pos < text.Length)
        {
            while (pos < text.Length && (char.IsWhiteSpace(text[pos]) || text[pos] is '-' or '*'))
            {
                pos++;
            }

            var s = pos;
            while (pos < text.Length && text[pos] != '\n')
            {
                var c = text[pos++];
                if (c is '.' or '!' or '?' && (pos == text.Length || char.IsWhiteSpace(text[pos])))
                {
                    break;
                }
            }

            var sentence = text[s..pos].TrimEnd();
            if (sentence.Length >= 3 && sentence[^1] != ':')
            {
                (start, length) = (s, sentence.Length);
                return true;
            }
        }

        (start, length) = (0, 0);
        return false;
    }
}
