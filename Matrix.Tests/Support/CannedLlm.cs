using Matrix.Engine.Llm;

namespace Matrix.Tests.Support;

/// <summary>An LLM client for engine tests that never calls a model.</summary>
internal sealed class CannedLlm(string answer = "ok") : ILlmClient
{
    public string Describe => "canned";

    public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(new LlmResponse(answer, LlmResponse.NoToolCalls, "stop", 1, 1));
}
