using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;
using Matrix.Scenarios.Tau2.Data;

namespace Matrix.Scenarios.Tau2.Agents;

/// <summary>Sampling of the assistant and the user simulator (tau2 and Matrix use temperature 0).</summary>
internal sealed record Tau2Sampling(double Temperature, int MaxTokens);

/// <summary>
/// The assistant: an LLM with the domain's policy in its system prompt and the domain's tools. Its turn is either a
/// message to the user or tool calls, which the scenario routes to the tool executor.
/// </summary>
internal sealed class Tau2AssistantAgent(Tau2Domain domain, ILlmClient llm, Tau2Sampling sampling) : LlmAgent(Tau2Conversation.Assistant, llm)
{
    private readonly string _system = Tau2Prompts.AgentSystem(domain.Policy);

    protected override IReadOnlyList<ChatMessage> BuildMessages(Orchestrator task) => Tau2Conversation.ForAssistant(task, _system);

    protected override LlmRequest ConfigureRequest(LlmRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request with { Temperature = sampling.Temperature, TopP = null, MaxTokens = sampling.MaxTokens, Tools = domain.AssistantTools.Definitions };
    }
}

/// <summary>
/// The user simulator: an LLM told the task's user scenario, seeing the conversation with the roles flipped. Its
/// turn is recorded with the chat role <c>user</c> (that is what it is in the training example); it may call the
/// user's own tools in domains that have them.
/// </summary>
internal sealed class Tau2UserAgent(Tau2Domain domain, ILlmClient llm, Tau2Sampling sampling) : LlmAgent(Tau2Conversation.User, llm)
{
    protected override IReadOnlyList<ChatMessage> BuildMessages(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var spec = domain.Task(task.InputAs<Tau2TaskRef>().TaskId);
        return Tau2Conversation.ForUser(task, Tau2Prompts.UserSystem(spec.UserInstructions, spec.Persona, domain.UserTools is not null));
    }

    protected override LlmRequest ConfigureRequest(LlmRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request with { Temperature = sampling.Temperature, TopP = null, MaxTokens = sampling.MaxTokens, Tools = domain.UserTools?.Definitions };
    }

    protected override void OnResponse(Orchestrator task, LlmResponse response)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(response);
        task.Append(ToTurn(response, ChatRoles.User));
    }
}
