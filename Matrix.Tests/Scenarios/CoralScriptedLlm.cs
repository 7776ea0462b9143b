using System.Collections.Concurrent;
using Matrix.Engine.Llm;

namespace Matrix.Tests.Scenarios;

/// <summary>
/// A fake LLM for coral tests. Extractor requests (system prompt starting "Extract the final answer") get
/// the first "(L)" after the "Response:" line, or "not sure yet", like a perfect extractor. Teacher and
/// student requests get the next scripted reply, or <see cref="Speak"/> when the script is empty.
/// Every request is recorded.
/// </summary>
internal sealed class CoralScriptedLlm : ILlmClient
{
    private readonly ConcurrentQueue<string> _script;

    public CoralScriptedLlm(params string[] script) => _script = new ConcurrentQueue<string>(script);

    public Func<LlmRequest, string>? Speak { get; init; }

    public ConcurrentQueue<LlmRequest> Requests { get; } = new();

    public string Describe => "scripted";

    public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Requests.Enqueue(request);
        string reply;
        if (IsExtractor(request))
        {
            var text = request.Messages[^1].Content!;
            var at = text.IndexOf("\nResponse: ", StringComparison.Ordinal);
            var response = at < 0 ? string.Empty : text[(at + "\nResponse: ".Length)..];
            var letter = Enumerable.Range(0, Math.Max(0, response.Length - 2))
                .Where(i => response[i] == '(' && response[i + 1] is >= 'A' and <= 'Z' && response[i + 2] == ')')
                .Select(i => response[i + 1])
                .FirstOrDefault();
            reply = letter == default ? "not sure yet" : $"({letter})";
        }
        else
        {
            reply = _script.TryDequeue(out var next) ? next
                : Speak?.Invoke(request) ?? throw new InvalidOperationException("the script ran out of replies");
        }

        return Task.FromResult(new LlmResponse(reply, LlmResponse.NoToolCalls, "stop", 10 * request.Messages.Count, reply.Length));
    }

    public static bool IsExtractor(LlmRequest request) =>
        request.Messages.Count > 0 && request.Messages[0].Content!.StartsWith("Extract the final answer", StringComparison.Ordinal);
}
