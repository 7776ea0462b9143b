using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;

namespace Matrix.Engine.Agents;

/// <summary>
/// Base for agents whose step is one LLM call: build the request from the task, call the rank's client,
/// record the answer. The per-call seed comes from the task seed and the call count, so the same run
/// seed gives the same conversation on any server that honours seeds.
/// </summary>
public abstract class LlmAgent : IAgent
{
    protected LlmAgent(string role, ILlmClient llm)
    {
        ArgumentException.ThrowIfNullOrEmpty(role);
        Role = role;
        Llm = llm ?? throw new ArgumentNullException(nameof(llm));
    }

    public string Role { get; }

    protected ILlmClient Llm { get; }

    public async ValueTask RunAsync(Orchestrator task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var response = await CallAsync(task, cancellationToken).ConfigureAwait(false);
        OnResponse(task, response);
    }

    /// <summary>
    /// Builds the request and starts the call in a frame of its own, so that nothing of the prompt stays referenced by
    /// the task while the call is in flight (the client keeps what it needs), and drops the offloaded content that
    /// was fetched back to build the prompt: with 100k tasks waiting on the fleet, prompt text would otherwise be
    /// most of the rank's memory. <see cref="OnResponse"/> therefore sees offloaded turns without their text.
    /// </summary>
    private Task<LlmResponse> CallAsync(Orchestrator task, CancellationToken cancellationToken)
    {
        var messages = BuildMessages(task);
        var request = ConfigureRequest(new LlmRequest(task.Id, NextSeed(task), messages) { Agent = Role });
        task.LlmCalls++;
        var pending = Llm.CompleteAsync(request, cancellationToken);
        task.DropFetchedContent();
        return pending;
    }

    /// <summary>The chat messages of this step's call.</summary>
    protected abstract IReadOnlyList<ChatMessage> BuildMessages(Orchestrator task);

    /// <summary>Sampling parameters of the call (temperature, max tokens, tools).</summary>
    protected virtual LlmRequest ConfigureRequest(LlmRequest request) => request;

    /// <summary>Records the answer; by default as an <c>assistant</c> turn of this agent.</summary>
    protected virtual void OnResponse(Orchestrator task, LlmResponse response)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(response);
        task.Append(ToTurn(response));
    }

    /// <summary>The assistant turn for <paramref name="response"/>, with its token usage, reasoning, finish reason and model.</summary>
    protected Turn ToTurn(LlmResponse response) => ToTurn(response, ChatRoles.Assistant);

    /// <summary>
    /// The turn for <paramref name="response"/> in chat role <paramref name="chatRole"/> (a simulated user answers as
    /// <c>user</c>): every turn that comes from an LLM call records what the server said about the call.
    /// </summary>
    protected Turn ToTurn(LlmResponse response, string chatRole)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new Turn(Role, chatRole, response.Content, ToolCallsJson.Write(response.ToolCalls), response.PromptTokens, response.CompletionTokens)
        {
            Reasoning = response.Reasoning,
            FinishReason = response.FinishReason,
            Model = response.Model,
        };
    }

    private static long NextSeed(Orchestrator task) =>
        (long)(TaskIds.Mix(task.Seed + (ulong)task.LlmCalls) & 0x7FFF_FFFF_FFFF_FFFFUL);
}
