using System.Collections.Concurrent;
using Matrix.Engine.Llm;
using Matrix.Scenarios.Nr;

namespace Matrix.Tests.Scenarios;

/// <summary>
/// A fake LLM for nr tests: each of the three prompts (told apart by their system message) gets its own fixed
/// reply, a model that says Yes, scores every criterion 3 and writes a valid question unless told otherwise.
/// Every request is recorded.
/// </summary>
internal sealed class NrScriptedLlm : ILlmClient
{
    public const string GoodScore = "Scores:\n```json\n{\"completeness\": 3, \"complexity\": 4, \"correctness\": 3, \"reasoning\": 5}\n```";

    public const string GoodQuestion =
        """
        ```json
        {
          "exam_question": "A car accelerates from rest to 20 m/s in 4 s. How far does it travel?",
          "question_category": "Physics",
          "extracted_answer": "40 m",
          "independent_answer": ["a = 20 / 4 = 5 m/s^2", "d = 0.5 * 5 * 4^2 = 40 m, so the answer is \\boxed{40}"]
        }
        ```
        """;

    public string Classifier { get; init; } = "Yes";

    public string Score { get; init; } = GoodScore;

    public string Question { get; init; } = GoodQuestion;

    public ConcurrentQueue<LlmRequest> Requests { get; } = new();

    public string Describe => "scripted";

    public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Requests.Enqueue(request);
        var system = request.Messages[0].Content;
        var reply = system == NrPrompts.Classifier ? Classifier
            : system == NrPrompts.Score ? Score
            : system == NrPrompts.Question ? Question
            : throw new InvalidOperationException("not an nr prompt: " + system);
        return Task.FromResult(new LlmResponse(reply, LlmResponse.NoToolCalls, "stop", 100 + request.Messages[^1].Content!.Length, reply.Length));
    }
}
