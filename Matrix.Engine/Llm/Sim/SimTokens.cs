using Matrix.Engine.Llm.Http;

namespace Matrix.Engine.Llm.Sim;

/// <summary>
/// The simulated LLM's token counts: a deterministic approximation of a real tokenizer
/// (about four characters per token, plus a few tokens of chat-template overhead per message).
/// </summary>
public static class SimTokens
{
    /// <summary>Characters per simulated token.</summary>
    public const int CharsPerToken = 4;
    private const int PerMessage = 4;
    private const int PerToolCall = 3;
    private const int PerTool = 8;

    /// <summary>Tokens of <paramref name="chars"/> characters of text.</summary>
    public static int Of(int chars) => (chars + CharsPerToken - 1) / CharsPerToken;

    /// <summary>Characters that fit in <paramref name="maxTokens"/> completion tokens (at least one token's worth).</summary>
    public static int CharBudget(int maxTokens) => (int)Math.Min(Math.Max(1, maxTokens) * (long)CharsPerToken, 1 << 28);

    /// <summary>The prompt tokens of <paramref name="r"/>: its messages, tool calls and tool definitions.</summary>
    public static int Prompt(LlmRequest r)
    {
        long total = 0;
        foreach (var m in r.Messages)
        {
            if (m is null)
            {
                continue;
            }

            total += Of(m.Content?.Length ?? 0) + PerMessage + ToolCalls(m.ToolCalls);
        }

        if (r.Tools is { } tools)
        {
            foreach (var t in tools)
            {
                total += Of(t.Name.Length + (t.Description?.Length ?? 0) + OpenAiWire.ParametersSchemaOf(t).Length) + PerTool;
            }
        }

        return (int)Math.Min(total, int.MaxValue);
    }

    /// <summary>The completion tokens of an answer (at least one).</summary>
    public static int Completion(string? content, IReadOnlyList<ToolCall> calls) =>
        Math.Max(1, Of(content?.Length ?? 0) + ToolCalls(calls));

    private static int ToolCalls(IReadOnlyList<ToolCall>? calls)
    {
        if (calls is null)
        {
            return 0;
        }

        var total = 0;
        foreach (var c in calls)
        {
            total += Of(c.Name.Length + c.ArgumentsJson.Length) + PerToolCall;
        }

        return total;
    }
}
