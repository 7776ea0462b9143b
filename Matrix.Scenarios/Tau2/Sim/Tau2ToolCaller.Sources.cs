namespace Matrix.Scenarios.Tau2.Sim;

/// <summary>
/// The candidates for an argument's value in the conversation: field values in tool results or in earlier calls'
/// arguments, and id-like tokens of the customer's words. Each search counts candidates newest first (so recent ones
/// come first and the count stays bounded) or, given a target, returns where that one is, so nothing is allocated.
/// </summary>
internal readonly partial struct Tau2ToolCaller
{
    private const int MaxCandidates = 16;

    /// <summary>
    /// Counts (up to <see cref="MaxCandidates"/>) the values of field <paramref name="key"/> in tool results (or, with
    /// <paramref name="inCalls"/>, in the arguments of earlier tool calls), newest first; with
    /// <paramref name="target"/> &gt;= 0 stops at that one and returns where it is.
    /// </summary>
    private int Fields(string key, bool wantString, bool inCalls, int target, out string source, out int start, out int length)
    {
        var count = 0;
        for (var i = Messages.Count - 1; i >= 0 && count < MaxCandidates; i--)
        {
            var m = Messages[i];
            if (!inCalls && m is { Role: "tool", Content: { } content } && Scan(content, key, wantString, target, ref count, out start, out length))
            {
                source = content;
                return count;
            }

            if (inCalls && m.ToolCalls is { Count: > 0 } calls)
            {
                foreach (var call in calls)
                {
                    if (Scan(call.ArgumentsJson, key, wantString, target, ref count, out start, out length))
                    {
                        source = call.ArgumentsJson;
                        return count;
                    }
                }
            }
        }

        (source, start, length) = (string.Empty, 0, 0);
        return count;
    }

    /// <summary>True when it found the <paramref name="target"/>-th value or reached <see cref="MaxCandidates"/>.</summary>
    private static bool Scan(string text, string key, bool wantString, int target, ref int count, out int start, out int length)
    {
        var pos = 0;
        while (count < MaxCandidates && Tau2JsonScan.NextField(text, key, ref pos, out start, out length, out var isString))
        {
            if (isString != wantString || (isString && length == 0))
            {
                continue;
            }

            if (count++ == target)
            {
                return true;
            }
        }

        (start, length) = (0, 0);
        return false;
    }

    /// <summary>
    /// Counts (up to <see cref="MaxCandidates"/>) the id-like tokens of the customer's words, newest message first,
    /// then <see cref="Extra"/>; only those that start with <paramref name="stem"/> when it is given.
    /// </summary>
    private int Tokens(string? stem, int target, out ReadOnlyMemory<char> text, out int start, out int length)
    {
        var count = 0;
        for (var i = Messages.Count - 1; i >= 0 && count < MaxCandidates; i--)
        {
            if (Messages[i].Role == TokenRole && Messages[i].Content is { } content
                && ScanTokens(content.AsMemory(), stem, target, ref count, out start, out length))
            {
                text = content.AsMemory();
                return count;
            }
        }

        if (count < MaxCandidates && ScanTokens(Extra, stem, target, ref count, out start, out length))
        {
            text = Extra;
            return count;
        }

        (text, start, length) = (ReadOnlyMemory<char>.Empty, 0, 0);
        return count;
    }

    private static bool ScanTokens(ReadOnlyMemory<char> memory, string? stem, int target, ref int count, out int start, out int length)
    {
        var span = memory.Span;
        var pos = 0;
        while (count < MaxCandidates && Tau2TextScan.NextIdToken(span, ref pos, out start, out length))
        {
            if (stem is not null && !Tau2TextScan.HasStem(span.Slice(start, length), stem))
            {
                continue;
            }

            if (count++ == target)
            {
                return true;
            }
        }

        (start, length) = (0, 0);
        return false;
    }
}
