namespace Matrix.Engine.Llm.Http;

/// <summary>
/// Recognises a server's refusal of a prompt that does not fit the model's context. Each server words it its own way:
/// llama.cpp's server (HTTP 400, type <c>exceed_context_size_error</c>, "exceeds the available context size"),
/// vLLM ("This model's maximum context length is N tokens"), SGLang ("is longer than the model's context length"),
/// OpenAI (code <c>context_length_exceeded</c>). Such a call is not retried: the same prompt will not fit next time.
/// </summary>
internal static class ContextLengthRefusal
{
    private static readonly string[] Markers =
    [
        "exceed_context_size_error",
        "exceeds the available context size",
        "maximum context length",
        "context_length_exceeded",
        "longer than the model's context length",
        "context length exceeded",
        "exceeds the model's context length",
    ];

    public static bool Matches(int statusCode, string body)
    {
        if (statusCode is < 400 or >= 500 || string.IsNullOrEmpty(body))
        {
            return false;
        }

        foreach (var marker in Markers)
        {
            if (body.Contains(marker, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
