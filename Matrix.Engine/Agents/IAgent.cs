using Matrix.Engine.Orchestration;

namespace Matrix.Engine.Agents;

/// <summary>
/// A stateless role worker: takes an orchestrator, does one step (an LLM call, a tool call, a check),
/// and records the result on it. It does not choose where the task goes next: the scenario's routing
/// does, after the step. An exception thrown here ends this task alone as <c>failed</c>.
/// Implementations are called concurrently (up to the role's parallelism) and must be thread-safe.
/// </summary>
public interface IAgent
{
    ValueTask RunAsync(Orchestrator task, CancellationToken cancellationToken);
}

/// <summary>Whether a role calls an LLM (I/O bound: high parallelism) or runs code (CPU bound).</summary>
public enum AgentKind
{
    Llm,
    Code,
}

/// <summary>A role of a scenario: its name, what kind of work it does, and its default parallelism per rank.</summary>
public sealed record RoleSpec(string Name, AgentKind Kind, int? DefaultParallelism = null)
{
    /// <summary>
    /// Whether the role's agent reads message content. Offloaded content is fetched back only for such
    /// roles (and the sink); default: LLM roles do, code roles do not.
    /// </summary>
    public bool? ReadsContent { get; init; }

    public bool NeedsContent => ReadsContent ?? Kind == AgentKind.Llm;
}
