using System.Runtime.CompilerServices;
using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Runtime;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Scenarios.Tau2.Agents;
using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Domains.BuiltIn;
using Matrix.Scenarios.Tau2.Sim;

namespace Matrix.Scenarios.Tau2;

/// <summary>
/// tau2-bench tool-use trajectories (the tau2 case study of Meta's Matrix): a user simulator (LLM) talks to an assistant (LLM with the
/// domain's tools and policy); a tool executor runs the assistant's (and the user's) tool calls with the domain's
/// C# tools against the task's own database; at the end a reward calculator grades the trajectory as tau2-bench does
/// and a judge LLM checks the natural-language assertions. Stops on the user's ###STOP### / ###TRANSFER### /
/// ###OUT-OF-SCOPE###, at <c>tau2.max_steps</c> or after <c>tau2.max_errors</c> tool errors.
/// </summary>
internal sealed class Tau2Scenario : Scenario
{
    public const string DomainKey = "tau2.domain";
    public const string MaxStepsKey = "tau2.max_steps";
    public const string MaxErrorsKey = "tau2.max_errors";
    public const string TemperatureKey = "tau2.temperature";
    public const string MaxTokensKey = "tau2.max_tokens";
    public const string JudgeKey = "tau2.judge";
    public const string JudgeMaxTokensKey = "tau2.judge_max_tokens";
    public const string SampleSizeKey = "tau2.sample_size";

    private readonly Lock _gate = new();
    private volatile LoadedDomain? _loaded;
    private volatile Limits? _limits;

    public override string Name => "tau2";

    public override string Description => "tool-use conversations in tau2-bench's format: user simulator, assistant with the domain's C# tools, rewards";

    public override bool HasOracle => true;

    public override IReadOnlyList<RoleSpec> Roles { get; } =
    [
        new(Tau2Conversation.User, AgentKind.Llm),
        new(Tau2Conversation.Assistant, AgentKind.Llm),
        new(Tau2Conversation.Tools, AgentKind.Code) { ReadsContent = false },
        new(Tau2Conversation.Reward, AgentKind.Code) { ReadsContent = true },
        new(Tau2Conversation.Judge, AgentKind.Llm),
    ];

    public override IReadOnlyList<OutputColumn> Columns { get; } =
    [
        new("domain", ColumnType.Utf8, t => t.Input is Tau2TaskRef r ? r.Domain : null),
        new("task_id", ColumnType.Utf8, t => t.Input is Tau2TaskRef r ? r.TaskId : null),
        new("reward", ColumnType.Float64, t => Reward(t)?.Total),
        new("reward_db", ColumnType.Float64, t => Reward(t)?.Db),
        new("reward_action", ColumnType.Float64, t => Reward(t)?.Action),
        new("reward_env", ColumnType.Float64, t => Reward(t)?.Env),
        new("reward_communicate", ColumnType.Float64, t => Reward(t)?.Communicate),
        new("reward_nl", ColumnType.Float64, t => Reward(t)?.Nl),
        new("tool_calls", ColumnType.Int32, t => t.State is Tau2State s ? s.ToolCalls : null),
        new("tool_errors", ColumnType.Int32, t => t.State is Tau2State s ? s.ToolErrors : null),
    ];

    public override IReadOnlyList<Type> MessageTypes { get; } = [typeof(Tau2TaskRef), typeof(Tau2State)];

    public override IReadOnlyList<ISimResponder> SimResponders { get; } = [new Tau2AssistantResponder(), new Tau2UserResponder(), new Tau2JudgeResponder()];

    public override void DeclareSettings(SettingsSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        schema.String(DomainKey, null, "The domain: with --data DIR, the sub-folder of DIR to load (or the domain of DIR itself); mock, retail, airline.")
            .Int(MaxStepsKey, 200, "A conversation ends as max_steps after this many assistant, user and tool steps.", 1, 1_000_000)
            .Int(MaxErrorsKey, 10, "A conversation ends as too_many_errors after more tool errors than this.", 0, 1_000_000)
            .Double(TemperatureKey, 0.0, "Sampling temperature of the assistant and the user simulator.", 0, 2)
            .Int(MaxTokensKey, 1024, "Largest reply of the assistant and the user simulator, in tokens.", 1, 1_000_000)
            .Bool(JudgeKey, true, "Ask a judge LLM about the tasks' NL assertions (the reward_nl column); false leaves it null.")
            .Int(JudgeMaxTokensKey, 512, "Largest reply of the judge, in tokens.", 1, 1_000_000)
            .Int(SampleSizeKey, 200, "Tasks of the built-in task-board domain (used without --data).", 1, 10_000_000);
    }

    public override async IAsyncEnumerable<InputRow> ReadInputAsync(InputSource source, ScenarioContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var domain = Domain(context);
        for (var i = 0; i < domain.Tasks.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return new InputRow(domain.Tasks[i].Id, i, new Tau2TaskRef(domain.Name, domain.Tasks[i].Id));
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    public override IAgent CreateAgent(string role, ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var domain = Domain(context);
        var settings = context.Settings;
        var oracle = context.Llm is OracleLlm;
        var sampling = new Tau2Sampling(settings.GetDouble(TemperatureKey), settings.GetInt(MaxTokensKey));
        return role switch
        {
            Tau2Conversation.Assistant => oracle ? new Tau2OracleAssistantAgent(domain) : new Tau2AssistantAgent(domain, context.Llm, sampling),
            Tau2Conversation.User => oracle ? new Tau2OracleUserAgent(domain) : new Tau2UserAgent(domain, context.Llm, sampling),
            Tau2Conversation.Tools => new Tau2ToolAgent(domain),
            Tau2Conversation.Reward => new Tau2RewardAgent(domain),
            Tau2Conversation.Judge => new Tau2JudgeAgent(domain, context.Llm, settings.GetInt(JudgeMaxTokensKey)),
            _ => throw new ArgumentException($"tau2 has no role '{role}'", nameof(role)),
        };
    }

    /// <summary>Sets the task's starting database and opening turns; the user simulator speaks first after the greeting.</summary>
    public override Route Begin(Orchestrator task, ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.Input is not Tau2TaskRef reference)
        {
            throw new InvalidOperationException($"tau2 expects a task reference as input, got {task.Input?.GetType().Name ?? "nothing"}");
        }

        var domain = Domain(context);
        var spec = domain.Task(reference.TaskId);
        var env = domain.NewEnvironment();
        env.Initialize(spec);
        var state = new Tau2State { AgentDb = env.Agent.Export(), UserDb = env.User?.Export() };
        task.State = state;
        foreach (var turn in Tau2Conversation.HistoryTurns(spec))
        {
            task.Append(turn);
        }

        if (task.History.Count == 0)
        {
            task.Append(new Turn(Tau2Conversation.Assistant, ChatRoles.Assistant, Tau2Prompts.Greeting));
        }

        var last = task.History[^1];
        state.Phase = last.Agent == Tau2Conversation.User && last.ToolCallsJson is null ? Tau2Phase.Assistant : Tau2Phase.User;
        return Route.To(RoleOf(state.Phase));
    }

    public override Route Next(Orchestrator task, ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(task);
        var state = task.StateAs<Tau2State>();
        var limits = LimitsOf(context);
        switch (state.Phase)
        {
            case Tau2Phase.User:
            case Tau2Phase.Assistant:
                {
                    state.Steps++;
                    var last = task.History[^1];
                    if (last.ToolCallsJson is not null)
                    {
                        state.Caller = state.Phase;
                        return Go(state, Tau2Phase.Tools);
                    }

                    if (state.Phase == Tau2Phase.User && Tau2Prompts.Termination(last.Content) is { } reason)
                    {
                        return Finish(state, reason);
                    }

                    if (state.Steps >= limits.MaxSteps)
                    {
                        return Finish(state, "max_steps");
                    }

                    return Go(state, state.Phase == Tau2Phase.User ? Tau2Phase.Assistant : Tau2Phase.User);
                }

            case Tau2Phase.Tools:
                state.Steps++;
                if (state.ToolErrors > limits.MaxErrors)
                {
                    return Finish(state, "too_many_errors");
                }

                return state.Steps >= limits.MaxSteps ? Finish(state, "max_steps") : Go(state, state.Caller);
            case Tau2Phase.Reward:
                var spec = Domain(context).Task(task.InputAs<Tau2TaskRef>().TaskId);
                return limits.Judge && spec.NlAssertions.Count > 0 && spec.RewardBasis.Contains(Tau2TaskSpec.NlAssertion)
                    ? Go(state, Tau2Phase.Judge)
                    : Route.Succeed(state.Termination);
            default:
                return Route.Succeed(state.Termination);
        }
    }

    public override ScenarioMetrics CreateMetrics() => new Tau2Metrics();

    private static Reward.RewardResult? Reward(Orchestrator t) => t.State is Tau2State s ? s.Reward : null;

    private static Route Go(Tau2State state, Tau2Phase phase)
    {
        state.Phase = phase;
        return Route.To(RoleOf(phase));
    }

    private static Route Finish(Tau2State state, string reason)
    {
        state.Termination = reason;
        return Go(state, Tau2Phase.Reward);
    }

    private static string RoleOf(Tau2Phase phase) => phase switch
    {
        Tau2Phase.User => Tau2Conversation.User,
        Tau2Phase.Assistant => Tau2Conversation.Assistant,
        Tau2Phase.Tools => Tau2Conversation.Tools,
        Tau2Phase.Reward => Tau2Conversation.Reward,
        _ => Tau2Conversation.Judge,
    };

    /// <summary>
    /// The run's domain, loaded once per rank (every rank loads the same folder, so task ids agree). Called from
    /// Begin and Next for every task: the same context takes the lock-free path.
    /// </summary>
    internal Tau2Domain Domain(ScenarioContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_loaded is { } current && ReferenceEquals(current.Context, context))
        {
            return current.Domain;
        }

        var settings = context.Settings;
        var input = settings.GetString(EngineSettings.Input);
        var name = settings.GetString(DomainKey);
        var key = $"{input}|{name}|{settings.GetInt(SampleSizeKey)}";
        lock (_gate)
        {
            // Another context with the same settings (a test's second context) reuses the loaded domain.
            var domain = _loaded is { } loaded && loaded.Key == key ? loaded.Domain : Load(input, name, settings.GetInt(SampleSizeKey));
            _loaded = new LoadedDomain(context, key, domain);
            return domain;
        }
    }

    private static Tau2Domain Load(string? input, string? name, int sampleSize)
    {
        if (input is null)
        {
            return name is null or "taskboard"
                ? TaskBoardDomain.Create(sampleSize)
                : throw new InputException($"tau2.domain={name} needs --data DIR: tau2-bench's data/tau2/domains folder or the {name} folder itself");
        }

        var folder = input;
        if (name is not null && !File.Exists(Path.Combine(folder, "tasks.json")) && Directory.Exists(Path.Combine(folder, name)))
        {
            folder = Path.Combine(folder, name);
        }

        return Tau2Domain.Load(Tau2Domains.Resolve(folder, name), folder);
    }

    private Limits LimitsOf(ScenarioContext context)
    {
        var limits = _limits;
        if (limits is null || !ReferenceEquals(limits.Context, context))
        {
            ArgumentNullException.ThrowIfNull(context);
            var s = context.Settings;
            _limits = limits = new Limits(context, s.GetInt(MaxStepsKey), s.GetInt(MaxErrorsKey), s.GetBool(JudgeKey) && context.Llm is not OracleLlm);
        }

        return limits;
    }

    private sealed record Limits(ScenarioContext Context, int MaxSteps, int MaxErrors, bool Judge);

    private sealed record LoadedDomain(ScenarioContext Context, string Key, Tau2Domain Domain);
}
