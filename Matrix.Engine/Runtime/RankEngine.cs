using System.Threading.Tasks.Dataflow;
using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Output;
using Matrix.Engine.Scenarios;

namespace Matrix.Engine.Runtime;

/// <summary>
/// One rank's engine: a Dataflow block per role and one for the sink, an admission gate of
/// <see cref="EngineOptions.Concurrency"/> permits, and nothing central in between. Each block's body
/// runs its agent's step, asks the scenario where the task goes next, and sends the orchestrator
/// straight to that block. A permit is released only when the sink has taken the finished task.
/// </summary>
/// <remarks>
/// Every block is bounded by the concurrency. Because no more orchestrators exist than permits, a
/// <c>SendAsync</c> from one block to another always finds room eventually, so the cycle
/// teacher → extractor → matcher → student cannot deadlock, and no queue can grow past the limit.
/// </remarks>
public sealed class RankEngine
{
    private readonly Scenario _scenario;
    private readonly ScenarioContext _context;
    private readonly EngineOptions _options;
    private readonly ITaskSink _sink;
    private readonly Dictionary<string, ActionBlock<Orchestrator>> _roles = new(StringComparer.Ordinal);
    private readonly ActionBlock<Orchestrator> _sinkBlock;
    private readonly SemaphoreSlim _gate;
    private readonly ScenarioMetrics _metrics;
    private readonly Dictionary<(string Status, string Reason), long> _reasons = [];
    private readonly CancellationTokenSource _abort = new();
    private Exception? _sinkFailure;
    private long _metricsErrors;

    public RankEngine(Scenario scenario, ScenarioContext context, EngineOptions options, ITaskSink sink, EngineCounters? counters = null)
    {
        _scenario = scenario ?? throw new ArgumentNullException(nameof(scenario));
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        Counters = counters ?? new EngineCounters();
        _gate = new SemaphoreSlim(options.Concurrency, options.Concurrency);
        _metrics = scenario.CreateMetrics();

        foreach (var role in scenario.Roles)
        {
            var agent = scenario.CreateAgent(role.Name, context);
            var parallelism = options.Parallelism.TryGetValue(role.Name, out var p) ? p
                : role.DefaultParallelism ?? (role.Kind == AgentKind.Llm ? options.Concurrency : Environment.ProcessorCount);
            var name = role.Name;
            _roles[name] = new ActionBlock<Orchestrator>(
                task => StepAsync(name, agent, task),
                new ExecutionDataflowBlockOptions
                {
                    BoundedCapacity = options.Concurrency,
                    MaxDegreeOfParallelism = Math.Min(parallelism, options.Concurrency),
                    EnsureOrdered = false,
                });
        }

        _sinkBlock = new ActionBlock<Orchestrator>(
            WriteAsync,
            new ExecutionDataflowBlockOptions { BoundedCapacity = options.Concurrency, MaxDegreeOfParallelism = 1, EnsureOrdered = false });
    }

    public EngineCounters Counters { get; }

    /// <summary>
    /// Admits every input row (times the trials), runs the tasks to their end and returns when the sink
    /// has taken the last one. Cancelling stops admission; tasks in flight finish (their LLM calls are
    /// cancelled, so they end as failed with reason <c>cancelled</c>) and are written.
    /// </summary>
    public async Task<RunSummary> RunAsync(IAsyncEnumerable<InputRow> input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var started = _options.Time.GetTimestamp();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abort.Token);
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
            // Taking every permit back means every admitted task has reached the sink: no polling.
            for (var i = 0; i < _options.Concurrency; i++)
            {
                await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            _sinkBlock.Complete();
            await _sinkBlock.Completion.ConfigureAwait(false);
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
                await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                Counters.OnAdmitted();
                var id = TaskIds.Of(row.Id, trial);
                var task = new Orchestrator(id, trial, TaskIds.SeedOf(_options.Seed, id), row.Index, row.Payload ?? row)
                {
                    AdmittedAt = _options.Time.GetTimestamp(),
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
    private async Task StepAsync(string role, IAgent agent, Orchestrator task)
    {
        Route route;
        try
        {
            await agent.RunAsync(task, _abort.Token).ConfigureAwait(false);
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

        await DispatchAsync(task, route).ConfigureAwait(false);
    }

    private Task DispatchAsync(Orchestrator task, Route route)
    {
        if (route.IsDone)
        {
            task.Finish(route.Outcome, route.Reason, task.Error);
            return SendAsync(_sinkBlock, task);
        }

        if (_roles.TryGetValue(route.NextRole!, out var next))
        {
            task.CurrentRole = route.NextRole;
            return SendAsync(next, task);
        }

        task.Finish(TaskOutcome.Failed, "routing_error", $"{_scenario.Name} routed the task to unknown role '{route.NextRole}'");
        return SendAsync(_sinkBlock, task);
    }

    private static Task SendAsync(ActionBlock<Orchestrator> target, Orchestrator task)
    {
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

    /// <summary>The sink block's body: one thread, finishing order. A write failure aborts the run.</summary>
    private async Task WriteAsync(Orchestrator task)
    {
        try
        {
            if (_sinkFailure is null)
            {
                await _sink.WriteAsync(task).ConfigureAwait(false);
            }

            var status = task.Outcome.ToColumnValue();
            var key = (status, task.Reason ?? string.Empty);
            _reasons[key] = _reasons.GetValueOrDefault(key) + 1;
            try
            {
                _metrics.Add(task);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Metrics are a summary: a bug there must not lose the record that is already written.
                _metricsErrors++;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _sinkFailure ??= e;
            await _abort.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            Counters.OnFinished(task);
            _gate.Release();
        }
    }

    private RunSummary Summarize(TimeSpan elapsed, bool cancelled)
    {
        var reasons = _reasons
            .GroupBy(kv => kv.Key.Status, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (IReadOnlyDictionary<string, long>)g.ToDictionary(kv => kv.Key.Reason, kv => kv.Value, StringComparer.Ordinal),
                StringComparer.Ordinal);
        return new RunSummary(
            Counters.Admitted,
            Counters.Succeeded,
            Counters.Filtered,
            Counters.Failed,
            Counters.Hops,
            Counters.PeakInFlight,
            Counters.PromptTokens,
            Counters.CompletionTokens,
            elapsed,
            cancelled,
            reasons,
            _metricsErrors == 0 ? _metrics.Snapshot() : new Dictionary<string, double>(_metrics.Snapshot()) { ["metrics_errors"] = _metricsErrors });
    }
}
