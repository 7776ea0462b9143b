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
public sealed partial class RankEngine
{
    internal const string SinkRole = "_sink";

    private readonly Scenario _scenario;
    private readonly ScenarioContext _context;
    private readonly EngineOptions _options;
    private readonly ITaskSink _sink;
    private readonly LlmCounters? _llm;
    private readonly Dictionary<string, ActionBlock<Orchestrator>> _roles = new(StringComparer.Ordinal);
    private readonly HashSet<string> _scenarioRoles = new(StringComparer.Ordinal);
    private readonly ActionBlock<Orchestrator> _sinkBlock;
    private readonly SemaphoreSlim _gate;
    private readonly ScenarioMetrics _metrics;
    private readonly Dictionary<(string Status, string Reason), long> _reasons = [];
    private readonly CancellationTokenSource _abort = new();
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
    private Exception? _sinkFailure;
    private long _metricsErrors;

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
        _scenario = scenario ?? throw new ArgumentNullException(nameof(scenario));
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        _llm = llm;
        Counters = counters ?? new EngineCounters();
        _transport = transport;
        _rank = transport?.Rank ?? 0;
        _size = transport?.Size ?? 1;
        _placement = placement ?? Placement.Everywhere(scenario.Roles.Select(r => r.Name), _size);
        _codec = _size > 1 ? new OrchestratorCodec(scenario.Name, scenario.MessageTypes) : null;
        _content = contentStore is not null && options.OffloadBytes > 0 ? new ContentGateway(contentStore, options.OffloadBytes, _rank, transport) : null;
        _peers = [.. Enumerable.Range(0, _size).Select(_ => new PeerTrafficCounters())];
        _peerProgress = new CounterSnapshot[_size];
        _gate = new SemaphoreSlim(options.Concurrency, options.Concurrency);
        _metrics = scenario.CreateMetrics();
        var capacity = checked(options.Concurrency * _size);

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

        _sinkBlock = new ActionBlock<Orchestrator>(
            WriteAsync,
            new ExecutionDataflowBlockOptions { BoundedCapacity = capacity, MaxDegreeOfParallelism = 1, EnsureOrdered = false });
        _transport?.Start(OnPeerMessage);
    }

    public EngineCounters Counters { get; }

    public int Rank => _rank;

    /// <summary>This rank's counters now.</summary>
    public CounterSnapshot Snapshot() => new(
        Counters.Admitted,
        Counters.Succeeded,
        Counters.Filtered,
        Counters.Failed,
        Counters.InFlight,
        Counters.Hops,
        _llm?.CompletionTokens ?? Counters.CompletionTokens,
        _llm?.Retries ?? 0);

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

            _sinkBlock.Complete();
            await _sinkBlock.Completion.ConfigureAwait(false);
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

        if (_sinkFailure is not null)
        {
            throw new IOException($"writing output failed: {_sinkFailure.Message}", _sinkFailure);
        }

        await _sink.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        return Summarize(_options.Time.GetElapsedTime(started), cancelled || cancellationToken.IsCancellationRequested);
    }

    private async Task AdmitAllAsync(IAsyncEnumerable<InputRow> input, CancellationToken cancellationToken)
    {
        await foreach (var row in input.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            for (var trial = 0; trial < _options.Trials; trial++)
            {
                var id = TaskIds.Of(row.Id, trial);
                if (_options.AlreadyDone?.Invoke(id) == true)
                {
                    Counters.OnSkipped();
                    continue;
                }

                await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                Counters.OnAdmitted();
                var task = new Orchestrator(id, trial, TaskIds.SeedOf(_options.Seed, id), row.Index, row.Payload ?? row)
                {
                    AdmittedAt = _options.Time.GetTimestamp(),
                    HomeRank = _rank,
                };
                await DispatchAsync(task, Begin(task, row)).ConfigureAwait(false);
            }
        }
    }

    private Route Begin(Orchestrator task, InputRow row)
    {
        if (row.Error is not null)
        {
            task.Error = row.Error;
            return Route.Fail("malformed_input");
        }

        try
        {
            return _scenario.Begin(task, _context);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            task.Error = $"{_scenario.Name}.Begin: {e.Message}";
            return Route.Fail("scenario_error");
        }
    }

    /// <summary>The body of every role block. Never throws: an exception would fault the block for good.</summary>
    private async Task StepAsync(string role, IAgent agent, bool readsContent, Orchestrator task)
    {
        Route route;
        try
        {
            if (_content is not null && readsContent)
            {
                await _content.HydrateAsync(task, _abort.Token).ConfigureAwait(false);
            }

            await agent.RunAsync(task, _abort.Token).ConfigureAwait(false);
            if (_content is not null)
            {
                await _content.OffloadAsync(task, _abort.Token).ConfigureAwait(false);
            }

            task.Hops++;
            Counters.OnHop();
            route = task.Hops >= _options.MaxHops ? Route.Fail("max_hops") : _scenario.Next(task, _context);
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            task.Error = $"{role}: cancelled";
            route = Route.Fail("cancelled");
        }
        catch (LlmException e)
        {
            task.Error = $"{role}: {e.Message}";
            route = Route.Fail("llm_error");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            task.Error = $"{role}: {e.GetType().Name}: {e.Message}";
            route = Route.Fail("agent_error");
        }

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
            return task.HomeRank == _rank ? SendLocalAsync(_sinkBlock, task) : SendToPeerAsync(task.HomeRank, SinkRole, task);
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

        task.Error = $"{_scenario.Name} routed the task to unknown role '{role}'";
        return DispatchAsync(task, Route.Fail("routing_error"));
    }

    private Task SendLocalAsync(ActionBlock<Orchestrator> target, Orchestrator task)
    {
        if (_codec is not null && target != _sinkBlock)
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
