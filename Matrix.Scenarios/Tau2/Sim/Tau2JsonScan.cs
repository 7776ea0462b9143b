namespace Matrix.Scenarios.Tau2.Sim;

/// <summary>
/// Allocation-free scans of JSON text (tool results and call arguments) that the simulated tau2 agent and customer
/// quote from: they find fields and <c>"key": "value"</c> pairs without parsing the document, so text that is not
/// quite JSON still yields what it holds.
/// </summary>
internal static class Tau2JsonScan
{
    /// <summary>
    /// The index of the quote that closes the JSON string whose content starts at <paramref name="start"/>
    /// (honouring backslash escapes), or -1.
    /// </summary>
    public static int StringEnd(ReadOnlySpan<char> text, int start)
    {
        for (var i = start; i < text.Length;)
        {
            var j = text[i..].IndexOfAny('"', '\\');
            if (j < 0)
            {
                return -1;
            }

            i += j;
            if (text[i] == '"')
            {
                return i;
            }

            i += 2;
        }

        return -1;
    }

    /// <summary>
    /// The next value of the field <paramref name="quotedKey"/> (the key in quotes, e.g. <c>"user_id"</c>) in JSON
    /// text at or after <paramref name="pos"/>: a string (its raw content, still escaped, so it can be copied into
    /// JSON as is) or a number. Advances <paramref name="pos"/> past it.
    /// </summary>
    public static bool NextField(ReadOnlySpan<char> text, ReadOnlySpan<char> quotedKey, ref int pos, out int start, out int length, out bool isString)
    {
        while (pos < text.Length)
        {
            var i = text[pos..].IndexOf(quotedKey, StringComparison.Ordinal);
            if (i < 0)
            {
                break;
            }

            var at = SkipSpaces(text, pos + i + quotedKey.Length);
            pos += i + quotedKey.Length;
            if (at >= text.Length || text[at] != ':')
            {
                continue;
            }

            at = SkipSpaces(text, at + 1);
            if (at < text.Length && text[at] == '"')
            {
                var end = StringEnd(text, at + 1);
                if (end < 0)
                {
                    break;
                }

                (start, length, isString, pos) = (at + 1, end - at - 1, true, end + 1);
                return true;
            }

            var n = at;
            while (n < text.Length && (char.IsAsciiDigit(text[n]) || text[n] is '-' or '.' or 'e' or 'E' or '+'))
            {
                n++;
            }

            if (n > at && char.IsAsciiDigit(text[n - 1]))
            {
                (start, length, isString, pos) = (at, n - at, false, n);
                return true;
            }
        }

        (start, length, isString) = (0, 0, false);
        return false;
    }

    /// <summary>
    /// The next <c>"key": "value"</c> pair with a plain identifier key at or after <paramref name="pos"/>:
    /// the key's and the value's raw text.
    /// </summary>
    public static bool NextStringPair(ReadOnlySpan<char> text, ref int pos, out Range key, out Range value)
    {
        while (pos < text.Length)
        {
            var i = text[pos..].IndexOf(':');
            if (i < 0)
            {
                break;
            }

            var colon = pos + i;
            pos = colon + 1;
            var keyEnd = colon - 1;
            while (keyEnd >= 0 && text[keyEnd] == ' ')
            {
                keyEnd--;
            }

            if (keyEnd < 1 || text[keyEnd] != '"')
            {
                continue;
            }

            var keyStart = keyEnd - 1;
            while (keyStart >= 0 && (char.IsAsciiLetterOrDigit(text[keyStart]) || text[keyStart] == '_'))
            {
                keyStart--;
            }

            var at = SkipSpaces(text, colon + 1);
            if (keyStart < 0 || text[keyStart] != '"' || keyStart + 1 == keyEnd || at >= text.Length || text[at] != '"')
            {
                continue;
            }

            var end = StringEnd(text, at + 1);
            if (end < 0)
            {
                break;
            }

            pos = end + 1;
            if (end == at + 1)
            {
                continue; // an empty value says nothing
            }

            key = (keyStart + 1)..keyEnd;
            value = (at + 1)..end;
            return true;
        }

        key = value = default;
        return false;
    }

    private static int SkipSpaces(ReadOnlySpan<char> text, int at)
    {
        while (at < text.Length && text[at] is ' ' or '\n' or '\r' or '\t')
        {
            at++;
        }

        return at;
    }
}
