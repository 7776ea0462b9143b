using System.Threading.Tasks.Dataflow;
using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Output;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Store;
using Matrix.Engine.Transport;

namespace Matrix.Engine.Runtime;

/// <summary>
/// One rank's engine: a Dataflow block per role it hosts and one for its sink, an admission gate of
/// <see cref="EngineOptions.Concurrency"/> permits, and nothing central in between. Each block's body
/// runs its agent's step, asks the scenario where the task goes next, and sends the orchestrator
/// straight to that block — on this rank when it hosts the role, else to a peer rank through the
/// <see cref="IPeerTransport"/>. A finished task goes back to the sink of the rank that admitted it,
/// whose permit is released only then.
/// </summary>
/// <remarks>
/// Every block is bounded by the job's total concurrency (permits of all ranks). No more orchestrators
/// exist than permits, so a <c>SendAsync</c> between blocks always finds room eventually and a
/// received orchestrator can always be posted without blocking the transport's thread: the cycle
/// teacher → extractor → matcher → student cannot deadlock, and no queue grows past the limit.
/// Cross-rank backpressure is the permits themselves: tasks held up on a slow rank keep their home
/// rank's permits, so the home rank admits no more until they come back.
/// </remarks>
public sealed partial class RankEngine : ITaskScheduler
{
    internal const string SinkRole = "_sink";

    private readonly EngineOptions _options;
    private readonly LlmCounters? _llm;
    private readonly Dictionary<string, ActionBlock<Orchestrator>> _roles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _scenarioRoles = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate;
    private readonly CancellationTokenSource _abort = new();
    private readonly StepRunner _steps;
    private readonly SinkStage _stage;
    private readonly IPeerTransport? _transport;
    private readonly ContentGateway? _content;
    private readonly Placement? _placement;
    private readonly OrchestratorCodec? _codec;
    private readonly PeerTrafficCounters[] _peers;
    private readonly CounterSnapshot[] _peerProgress;
    private readonly int _rank;
    private readonly int _size;
    private int _queuedSteps;
    private long _routingCounter;
    private long _decodeErrors;

    public RankEngine(
        Scenario scenario,
        ScenarioContext context,
        EngineOptions options,
        ITaskSink sink,
        EngineCounters? counters = null,
        IPeerTransport? transport = null,
        Placement? placement = null,
        LlmCounters? llm = null,
        IContentStore? contentStore = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sink);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _llm = llm;
        Counters = counters ?? new EngineCounters();
        _transport = transport;
        _rank = transport?.Rank ?? 0;
        _size = transport?.Size ?? 1;
        _placement = placement ?? Placement.Everywhere(scenario.Roles.Select(r => r.Name), _size);
        _codec = _size > 1 ? new OrchestratorCodec(scenario.Name, scenario.MessageTypes, options.Time) : null;
        _content = contentStore is not null && options.OffloadBytes > 0 ? new ContentGateway(contentStore, options.OffloadBytes, _rank, transport) : null;
        _peers = [.. Enumerable.Range(0, _size).Select(_ => new PeerTrafficCounters())];
        _peerProgress = new CounterSnapshot[_size];
        _gate = new SemaphoreSlim(options.Concurrency, options.Concurrency);
        var latency = new LatencyRecorder(options.Time);
        _steps = new StepRunner(scenario, context, options, Counters, latency, _abort.Token);
        var capacity = checked(options.Concurrency * _size);
        _stage = new SinkStage(sink, scenario.CreateMetrics(), Counters, latency, _content, _abort, capacity, _ => _gate.Release());

        foreach (var role in scenario.Roles)
        {
            _scenarioRoles.Add(role.Name);
            if (!_placement.Hosts(_rank, role.Name))
            {
                continue;
            }

            var agent = scenario.CreateAgent(role.Name, context);
            var parallelism = options.Parallelism.TryGetValue(role.Name, out var p) ? p
                : role.DefaultParallelism ?? (role.Kind == AgentKind.Llm ? capacity : Environment.ProcessorCount);
            var name = role.Name;
            var readsContent = role.NeedsContent;
            _roles[name] = new ActionBlock<Orchestrator>(
                task => StepAsync(name, agent, readsContent, task),
                new ExecutionDataflowBlockOptions
                {
                    BoundedCapacity = capacity,
                    MaxDegreeOfParallelism = Math.Min(parallelism, capacity),
                    EnsureOrdered = false,
                });
        }

        _transport?.Start(OnPeerMessage);
    }

    public EngineCounters Counters { get; }

    public int Rank => _rank;

    public LatencySummary LiveLatency() => _steps.Latency.Snapshot();

    public IReadOnlyList<KeyValuePair<string, int>> QueueDepths() =>
        [.. _roles.Select(r => KeyValuePair.Create(r.Key, r.Value.InputCount)), KeyValuePair.Create(SinkRole, _stage.Block.InputCount)];

    /// <summary>This rank's counters now.</summary>
    public CounterSnapshot Snapshot() => Counters.Snapshot(_llm);

    /// <summary>The whole job's counters as this rank knows them (rank 0 hears from every rank each second).</summary>
    public CounterSnapshot JobSnapshot()
    {
        var total = Snapshot();
        for (var r = 0; r < _size; r++)
        {
            if (r != _rank)
            {
                total += _peerProgress[r];
            }
        }

        return total;
    }

    /// <summary>
    /// Admits every input row (times the trials), runs the tasks to their end, and returns when the sink
    /// has taken the last of them. With peers, <paramref name="waitForPeers"/> (a barrier) runs next while
    /// this rank's agents keep serving the other ranks' tasks. Cancelling stops admission; tasks in flight
    /// finish and are written.
    /// </summary>
    public async Task<RunSummary> RunAsync(IAsyncEnumerable<InputRow> input, Func<CancellationToken, Task>? waitForPeers = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var started = _options.Time.GetTimestamp();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abort.Token);
        using var reporting = new CancellationTokenSource();
        var progress = _size > 1 && _rank != 0 ? ReportProgressAsync(reporting.Token) : Task.CompletedTask;
        var cancelled = false;
        try
        {
            await AdmitAllAsync(input, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            cancelled = true;
        }
        finally
        {
            // Taking every permit back means every task this rank admitted has reached its sink: no polling.
            for (var i = 0; i < _options.Concurrency; i++)
            {
                await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            await _stage.CompleteAsync().ConfigureAwait(false);
            await reporting.CancelAsync().ConfigureAwait(false);
            await progress.ConfigureAwait(false);
            if (waitForPeers is not null)
            {
                await waitForPeers(CancellationToken.None).ConfigureAwait(false);
            }

            foreach (var block in _roles.Values)
            {
                block.Complete();
            }

            await Task.WhenAll(_roles.Values.Select(b => b.Completion)).ConfigureAwait(false);
        }

        await _stage.FinishAsync().ConfigureAwait(false);
        return _stage.Summarize(_options.Time.GetElapsedTime(started), cancelled || cancellationToken.IsCancellationRequested, PeerExchanges());
    }

    private async Task AdmitAllAsync(IAsyncEnumerable<InputRow> input, CancellationToken cancellationToken)
    {
        await foreach (var (row, trial, id) in _steps.TasksOf(input, cancellationToken).ConfigureAwait(false))
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            var (task, route) = _steps.Admit(row, trial, id, _rank);
            await DispatchAsync(task, route).ConfigureAwait(false);
        }
    }

    /// <summary>The body of every role block. Never throws (<see cref="StepRunner"/> maps exceptions): one would fault the block for good.</summary>
    private async Task StepAsync(string role, IAgent agent, bool readsContent, Orchestrator task)
    {
        var route = await _steps.RunAsync(role, agent, task, _content, readsContent).ConfigureAwait(false) ?? _steps.Next(role, task);
        if (_codec is not null)
        {
            Interlocked.Decrement(ref _queuedSteps);
        }

        await DispatchAsync(task, route).ConfigureAwait(false);
    }

    private Task DispatchAsync(Orchestrator task, Route route)
    {
        if (route.IsDone)
        {
            task.Finish(route.Outcome, route.Reason, task.Error);
            return task.HomeRank == _rank ? SendLocalAsync(_stage.Block, task) : SendToPeerAsync(task.HomeRank, SinkRole, task);
        }

        var role = route.NextRole!;
        if (_roles.TryGetValue(role, out var local))
        {
            task.CurrentRole = role;
            return SendLocalAsync(local, task);
        }

        if (_scenarioRoles.Contains(role))
        {
            task.CurrentRole = role;
            return SendToPeerAsync(ChooseRank(role), role, task);
        }

        return DispatchAsync(task, _steps.UnknownRole(task, role));
    }

    private Task SendLocalAsync(ActionBlock<Orchestrator> target, Orchestrator task)
    {
        if (_codec is not null && target != _stage.Block)
        {
            Interlocked.Increment(ref _queuedSteps);
        }

        // Fast path: a block with room accepts synchronously and SendAsync returns a completed task.
        var sent = target.SendAsync(task);
        return sent.IsCompletedSuccessfully && sent.Result ? Task.CompletedTask : AwaitSendAsync(sent, task);
    }

    private static async Task AwaitSendAsync(Task<bool> sent, Orchestrator task)
    {
        if (!await sent.ConfigureAwait(false))
        {
            // Only a completed block declines; blocks complete after the last permit came back.
            throw new InvalidOperationException($"Task {task.Id} was declined by a completed block.");
        }
    }

    /// <summary>Power of two choices over the ranks hosting <paramref name="role"/>, by their estimated load.</summary>
    private int ChooseRank(string role)
    {
        var hosts = _placement!.RanksOf(role);
        if (hosts.Count == 1)
        {
            return hosts[0];
        }

        var n = (ulong)Interlocked.Increment(ref _routingCounter);
        var mixed = TaskIds.Mix(n ^ ((ulong)_rank << 48));
        var a = hosts[(int)(mixed % (ulong)hosts.Count)];
        var b = hosts[(int)((mixed >> 32) % (ulong)hosts.Count)];
        return _peers[a].EstimatedLoad <= _peers[b].EstimatedLoad ? a : b;
    }
}
