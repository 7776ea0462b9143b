using Matrix.Engine.Orchestration;

namespace Matrix.Engine.Agents;

/// <summary>An agent whose step is plain, synchronous code (a matcher, a reward calculator).</summary>
public abstract class CodeAgent : IAgent
{
    public ValueTask RunAsync(Orchestrator task, CancellationToken cancellationToken)
    {
        Run(task);
        return ValueTask.CompletedTask;
    }

    protected abstract void Run(Orchestrator task);
}

/// <summary>A code agent from a delegate, for small scenarios.</summary>
public sealed class DelegateAgent(Action<Orchestrator> step) : CodeAgent
{
    protected override void Run(Orchestrator task) => step(task);
}
