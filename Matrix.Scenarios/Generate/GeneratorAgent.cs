using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;

namespace Matrix.Scenarios.Generate;

/// <summary>The one LLM call of <c>generate</c>: the prompts Begin rendered, the schema as response_format.</summary>
internal sealed class GeneratorAgent(GenerateScenario.Configuration config, ILlmClient llm) : LlmAgent(GenerateScenario.Generator, llm)
{
    protected override IReadOnlyList<ChatMessage> BuildMessages(Orchestrator task) =>
        [.. task.History.Where(t => t.Agent == GenerateScenario.PromptAgent).Select(t => t.Role == ChatRoles.System ? ChatMessage.System(t.Content ?? string.Empty) : ChatMessage.User(t.Content ?? string.Empty))];

    protected override LlmRequest ConfigureRequest(LlmRequest request) =>
        config.Schema is null ? request : request with { ResponseFormat = config.Schema.Format };
}
