using Matrix.Engine.Llm;

namespace Matrix.Scenarios.Coral.Sim;

/// <summary>Allocation-free scans of coral's multiple-choice prompts: answer claims and option letters.</summary>
internal static class CoralSimPrompt
{
    public const string ClaimPrefix = "The correct answer is (";

    /// <summary>The letters A-D, the default options when a question lists none.</summary>
    public const uint DefaultOptions = 0b1111;

    private static readonly string[] Letters = Enumerable.Range('A', 26).Select(c => $"({(char)c})").ToArray();

    /// <summary>"(A)" .. "(Z)" without allocating.</summary>
    public static string Parenthesized(char letter) => Letters[letter - 'A'];

    public static bool IsLetter(char c) => c is >= 'A' and <= 'Z';

    public static uint Bit(char letter) => 1u << (letter - 'A');

    /// <summary>True when <paramref name="text"/> contains "The correct answer is (L)" for some capital L.</summary>
    public static bool ContainsClaim(string text) => FindClaim(text, last: false) != '\0';

    /// <summary>The letter L of the first (or last) "The correct answer is (L)" in <paramref name="text"/>, or '\0'.</summary>
    public static char FindClaim(string? text, bool last)
    {
        if (text is null)
        {
            return '\0';
        }

        var span = text.AsSpan();
        var found = '\0';
        var start = 0;
        while (start < span.Length)
        {
            var i = span[start..].IndexOf(ClaimPrefix, StringComparison.Ordinal);
            if (i < 0)
            {
                break;
            }

            var at = start + i + ClaimPrefix.Length;
            if (at + 1 < span.Length && IsLetter(span[at]) && span[at + 1] == ')')
            {
                found = span[at];
                if (!last)
                {
                    return found;
                }
            }

            start = at;
        }

        return found;
    }

    /// <summary>
    /// The answer options of a multiple-choice question: the letters of lines "(A) ..." in the first user or assistant
    /// message (the student sees its own opening as an assistant turn)
    /// that has such lines; else the letters of inline "(A) " in the first user message with two or more;
    /// else A-D. A bit mask, bit 0 = A.
    /// </summary>
    public static uint OptionLetters(LlmRequest r)
    {
        foreach (var m in r.Messages)
        {
            if (m is { Role: "user" or "assistant", Content: { } content } && LineOptions(content) is var mask and not 0)
            {
                return mask;
            }
        }

        foreach (var m in r.Messages)
        {
            if (m is { Role: "user" or "assistant", Content: { } content } && InlineOptions(content) is var mask && uint.PopCount(mask) >= 2)
            {
                return mask;
            }
        }

        return DefaultOptions;
    }

    /// <summary>The <paramref name="index"/>-th set letter of <paramref name="mask"/> (0-based).</summary>
    public static char NthOption(uint mask, int index)
    {
        for (var bit = 0; bit < 26; bit++)
        {
            if ((mask & (1u << bit)) != 0 && index-- == 0)
            {
                return (char)('A' + bit);
            }
        }

        return 'A';
    }

    /// <summary>The first "(L)" with a capital L in <paramref name="text"/>, or '\0'.</summary>
    public static char FirstParenthesizedLetter(ReadOnlySpan<char> text)
    {
        for (var i = text.IndexOf('('); i >= 0 && i + 2 < text.Length; i = NextParen(text, i))
        {
            if (IsLetter(text[i + 1]) && text[i + 2] == ')')
            {
                return text[i + 1];
            }
        }

        return '\0';
    }

    private static int NextParen(ReadOnlySpan<char> text, int i)
    {
        var j = text[(i + 1)..].IndexOf('(');
        return j < 0 ? -1 : i + 1 + j;
    }

    private static uint LineOptions(string text)
    {
        uint mask = 0;
        var span = text.AsSpan();
        var lineStart = 0;
        while (lineStart < span.Length)
        {
            var i = lineStart;
            while (i < span.Length && span[i] is ' ' or '\t')
            {
                i++;
            }

            if (i + 3 < span.Length && span[i] == '(' && IsLetter(span[i + 1]) && span[i + 2] == ')' && span[i + 3] == ' ')
            {
                mask |= Bit(span[i + 1]);
            }

            var nl = span[i..].IndexOf('\n');
            if (nl < 0)
            {
                break;
            }

            lineStart = i + nl + 1;
        }

        return mask;
    }

    private static uint InlineOptions(string text)
    {
        uint mask = 0;
        var span = text.AsSpan();
        for (var i = span.IndexOf('('); i >= 0 && i + 3 < span.Length; i = NextParen(span, i))
        {
            if (IsLetter(span[i + 1]) && span[i + 2] == ')' && span[i + 3] == ' ')
            {
                mask |= Bit(span[i + 1]);
            }
        }

        return mask;
    }
}
