using System.Collections.Concurrent;
using System.Threading.Tasks.Dataflow;
using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Output;
using Matrix.Engine.Scenarios;

namespace Matrix.Engine.Runtime.Baselines;

/// <summary>
/// What the baselines share with each other and with <see cref="RankEngine"/>: one agent per role, the
/// <see cref="StepRunner"/> (admission, Begin, the step and its failure mapping, Next) and the
/// <see cref="SinkStage"/>. A baseline only decides how tasks move:
/// <see cref="ExecuteAsync"/> admits the input and returns once every task it admitted has been handed to
/// <see cref="FinishAsync"/>. One rank, no offloading.
/// </summary>
internal abstract class BaselineScheduler : ITaskScheduler
{
    private readonly EngineOptions _options;
    private readonly LlmCounters? _llm;
    private readonly CancellationTokenSource _abort = new();
    private readonly SinkStage _stage;
    private readonly ConcurrentDictionary<Orchestrator, TaskCompletionSource> _awaitingSink = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, IAgent> _agents = new(StringComparer.Ordinal);
    private int _stoppedEarly;

    protected BaselineScheduler(Scenario scenario, ScenarioContext context, EngineOptions options, ITaskSink sink, EngineCounters? counters, LlmCounters? llm)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sink);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _llm = llm;
        Counters = counters ?? new EngineCounters();
        var latency = new LatencyRecorder(options.Time);
        Steps = new StepRunner(scenario, context, options, Counters, latency, _abort.Token);
        // Never more than the concurrency of tasks exist, so a SendAsync always finds room.
        _stage = new SinkStage(sink, scenario.CreateMetrics(), Counters, latency, content: null, _abort, options.Concurrency, Written);
        foreach (var role in scenario.Roles)
        {
            _agents[role.Name] = scenario.CreateAgent(role.Name, context);
        }
    }

    public EngineCounters Counters { get; }

    public long DecodeErrors => 0;

    public (long OffloadedBytes, long LocalFetches, long RemoteFetches) ContentCounters => default;

    protected StepRunner Steps { get; }

    public LatencySummary LiveLatency() => Steps.Latency.Snapshot();

    protected int Concurrency => _options.Concurrency;

    public CounterSnapshot JobSnapshot() => Counters.Snapshot(_llm);

    public async Task<RunSummary> RunAsync(IAsyncEnumerable<InputRow> input, Func<CancellationToken, Task>? waitForPeers = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (waitForPeers is not null)
        {
            throw new InvalidOperationException("the batch and central schedulers run on one rank only");
        }

        var started = _options.Time.GetTimestamp();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abort.Token);
        try
        {
            await ExecuteAsync(input, stop.Token).ConfigureAwait(false);
        }
        finally
        {
            await _stage.CompleteAsync().ConfigureAwait(false);
        }

        await _stage.FinishAsync().ConfigureAwait(false);
        var cancelled = Volatile.Read(ref _stoppedEarly) != 0 || cancellationToken.IsCancellationRequested;
        return _stage.Summarize(_options.Time.GetElapsedTime(started), cancelled, []);
    }

    /// <summary>
    /// Admits the input's tasks (<see cref="StepRunner.TasksOf"/>, <see cref="StepRunner.Admit"/>) and moves them
    /// through the agents until <see cref="FinishAsync"/> took every one of them. <paramref name="stop"/> (Ctrl+C,
    /// or a sink failure) stops admission, never a task already admitted; call <see cref="OnStoppedEarly"/> then.
    /// An input failure is rethrown after the tasks admitted before it are finished.
    /// </summary>
    protected abstract Task ExecuteAsync(IAsyncEnumerable<InputRow> input, CancellationToken stop);

    /// <summary>Admission stopped before the input ended: the run is incomplete.</summary>
    protected void OnStoppedEarly() => Volatile.Write(ref _stoppedEarly, 1);

    /// <summary>The agent of <paramref name="role"/>, or null when the scenario has no such role.</summary>
    protected IAgent? AgentOf(string role) => _agents.GetValueOrDefault(role);

    /// <summary>
    /// Ends the task with <paramref name="route"/> (a done route) and hands it to the sink. The returned task
    /// completes when the sink has taken it, or at once when <paramref name="waitForSink"/> is false (the
    /// sink calls <see cref="OnWritten"/> later).
    /// </summary>
    protected async Task FinishAsync(Orchestrator task, Route route, bool waitForSink)
    {
        task.Finish(route.Outcome, route.Reason, task.Error);
        var written = waitForSink ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        if (written is not null)
        {
            _awaitingSink[task] = written;
        }

        if (!await _stage.Block.SendAsync(task).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"Task {task.Id} was declined by the completed sink block.");
        }

        if (written is not null)
        {
            await written.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Called on the sink's thread after each record is written (or its write failed).</summary>
    protected virtual void OnWritten(Orchestrator task)
    {
    }

    private void Written(Orchestrator task)
    {
        OnWritten(task);
        if (_awaitingSink.TryRemove(task, out var written))
        {
            written.TrySetResult();
        }
    }
}
