namespace Matrix.Scenarios.Tau2.Python;

internal enum PyTokenKind
{
    Number,

    /// <summary><c>+ - * / // ** .</c></summary>
    Operator,
    Open,
    Close,

    /// <summary><c>...</c>: one token for Python's tokenizer, not three dots.</summary>
    Ellipsis,
}

/// <summary>One token; <c>Depth</c> is how many parentheses are open around it (Python's <c>tok-&gt;level</c>).</summary>
internal readonly record struct PyToken(PyTokenKind Kind, string Text, int Depth);

/// <summary>
/// Python's tokenizer for the characters <c>0123456789+-*/(). </c>. Its own errors (an unmatched <c>)</c>, a
/// leading zero) are raised here, before any parsing: CPython reports a tokenizer error found anywhere in the source
/// ahead of any parser error. An unclosed <c>(</c> is only an error if the parser reads to the end, so it is returned.
/// </summary>
internal static class PyTokenizer
{
    public static List<PyToken> Tokenize(string text, out int openAtEnd)
    {
        var tokens = new List<PyToken>();
        var depth = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == ' ')
            {
                i++;
                continue;
            }

            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                tokens.Add(new PyToken(PyTokenKind.Number, Number(text, ref i), depth));
                continue;
            }

            if (string.CompareOrdinal(text, i, "...", 0, 3) == 0)
            {
                tokens.Add(new PyToken(PyTokenKind.Ellipsis, "...", depth));
                i += 3;
                continue;
            }

            if (string.CompareOrdinal(text, i, "**", 0, 2) == 0 || string.CompareOrdinal(text, i, "//", 0, 2) == 0)
            {
                tokens.Add(new PyToken(PyTokenKind.Operator, text.Substring(i, 2), depth));
                i += 2;
                continue;
            }

            switch (c)
            {
                case '(':
                    tokens.Add(new PyToken(PyTokenKind.Open, "(", depth++));
                    break;
                case ')':
                    // The tokenizer's level after the ')' is the depth of the expression it closes.
                    tokens.Add(new PyToken(PyTokenKind.Close, ")", depth == 0 ? throw PyErrors.Syntax(PyErrors.UnmatchedClose) : --depth));
                    break;
                default:
                    tokens.Add(new PyToken(PyTokenKind.Operator, c.ToString(), depth));
                    break;
            }

            i++;
        }

        openAtEnd = depth;
        return tokens;
    }

    /// <summary>Digits, then optionally a point and more digits (<c>1.</c> and <c>.5</c> are floats).</summary>
    private static string Number(string text, ref int i)
    {
        var start = i;
        SkipDigits(text, ref i);
        var isFloat = i < text.Length && text[i] == '.';
        if (isFloat)
        {
            i++;
            SkipDigits(text, ref i);
        }

        var literal = text[start..i];
        if (!isFloat && literal.Length > 1 && literal[0] == '0' && literal.Any(d => d != '0'))
        {
            // 00 is zero, 0012.5 a float, but 012 would be C's octal: Python 3 refuses it.
            throw PyErrors.Syntax(PyErrors.LeadingZeros);
        }

        return literal;
    }

    private static void SkipDigits(string text, ref int i)
    {
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }
    }
}
