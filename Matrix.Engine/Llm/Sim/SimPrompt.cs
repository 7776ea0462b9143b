namespace Matrix.Engine.Llm.Sim;

/// <summary>Allocation-free scans of a request's messages that simulated responders share.</summary>
public static class SimPrompt
{
    /// <summary>True when some system message of <paramref name="r"/> passes <paramref name="test"/>.</summary>
    public static bool AnySystem(LlmRequest r, Func<string, bool> test)
    {
        foreach (var m in r.Messages)
        {
            if (m is { Role: "system", Content: { } content } && test(content))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The content of the last user message of <paramref name="r"/>, or null when it has none.</summary>
    public static string? LastUserContent(LlmRequest r)
    {
        for (var i = r.Messages.Count - 1; i >= 0; i--)
        {
            if (r.Messages[i] is { Role: "user" } m)
            {
                return m.Content;
            }
        }

        return null;
    }

    /// <summary>The text after <paramref name="prefix"/> on the first line of <paramref name="text"/> that starts with it, or false when no line does.</summary>
    public static bool TryAfterLinePrefix(string text, string prefix, out ReadOnlySpan<char> rest)
    {
        var span = text.AsSpan();
        for (var lineStart = 0; lineStart <= span.Length;)
        {
            var line = span[lineStart..];
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                rest = line[prefix.Length..];
                return true;
            }

            var nl = line.IndexOf('\n');
            if (nl < 0)
            {
                break;
            }

            lineStart += nl + 1;
        }

        rest = default;
        return false;
    }
}
