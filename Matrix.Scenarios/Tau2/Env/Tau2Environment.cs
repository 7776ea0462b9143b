using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Data;

namespace Matrix.Scenarios.Tau2.Env;

/// <summary>
/// One task's environment (tau2's <c>Environment</c>): the domain's tools over the task's own databases. Built
/// from the task's state at each tool step and exported back into it, so no agent keeps anything between steps.
/// </summary>
internal sealed class Tau2Environment(Tau2Domain domain, TaskDatabase agent, TaskDatabase? user)
{
    public Tau2Domain Domain { get; } = domain;

    public TaskDatabase Agent { get; } = agent;

    public TaskDatabase? User { get; } = user;

    /// <summary>A tool call by the assistant or the user; tool errors come back as <c>Error: ...</c>.</summary>
    public ToolOutcome Call(string requestor, string name, string? argumentsJson) => requestor == "user"
        ? Domain.UserTools is { } userTools && User is not null ? userTools.Call(name, argumentsJson, User) : new ToolOutcome("Error: User tools not available", true)
        : Domain.AssistantTools.Call(name, argumentsJson, Agent);

    public bool Mutates(string requestor, string name) => requestor == "user"
        ? Domain.UserTools?.MutatesState(name) ?? false
        : Domain.AssistantTools.MutatesState(name);

    public bool HasTool(string requestor, string name) => requestor == "user"
        ? Domain.UserTools?.HasTool(name) ?? false
        : Domain.AssistantTools.HasTool(name);

    /// <summary>Runs an initialization action or an assertion's function; throws <see cref="ToolException"/> on failure.</summary>
    public object? Run(EnvCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return call.EnvType == "user"
            ? (Domain.UserTools ?? throw new ToolException("User tools not available")).RunFunction(call.FunctionName, call.Arguments, User!)
            : Domain.AssistantTools.RunFunction(call.FunctionName, call.Arguments, Agent);
    }

    /// <summary>
    /// The task's starting state, as tau2's <c>set_state</c> builds it: initialization data merged in, initialization
    /// actions run, then the state-changing tool calls of the given message history replayed.
    /// </summary>
    public void Initialize(Tau2TaskSpec task)
    {
        ApplyInitialState(task);
        foreach (var message in task.MessageHistory)
        {
            Replay(message.ToolCalls);
        }
    }

    /// <summary>Replays the state-changing calls among <paramref name="calls"/> (tau2 skips reads and unknown tools).</summary>
    public void Replay(IEnumerable<TrajectoryToolCall> calls)
    {
        ArgumentNullException.ThrowIfNull(calls);
        foreach (var call in calls)
        {
            if (HasTool(call.Requestor, call.Name) && Mutates(call.Requestor, call.Name))
            {
                Call(call.Requestor, call.Name, call.ArgumentsJson);
            }
        }
    }

    /// <summary>Initialization data and actions, without the message history.</summary>
    public void ApplyInitialState(Tau2TaskSpec task)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(task);
        if (task.AgentData is { } agentData)
        {
            Agent.Merge(agentData);
        }

        if (task.UserData is { } userData && User is not null)
        {
            User.Merge(userData);
        }

        foreach (var action in task.InitializationActions)
        {
            Run(action);
        }
    }

    /// <summary>Whether both environments hold the same agent and user databases (tau2 compares their hashes).</summary>
    public bool SameAs(Tau2Environment other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Agent.SameAs(other.Agent) && (User is null || other.User is null || User.SameAs(other.User));
    }

    public static JsonObject Arguments(string? json) => string.IsNullOrWhiteSpace(json) ? [] : JsonNode.Parse(json) as JsonObject ?? [];
}
