using System.Runtime.CompilerServices;
using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Store;

namespace Matrix.Engine.Runtime;

/// <summary>
/// What every scheduler (the p2p <see cref="RankEngine"/> and the baselines) does to a task, whatever
/// moves it: admission (trials, <c>--resume</c>'s already-done ids), <see cref="Scenario.Begin"/>, one
/// agent step with its exceptions mapped to a failed route, the <c>max_hops</c> guard and
/// <see cref="Scenario.Next"/>. Schedulers differ only in who calls these, where and when.
/// </summary>
internal sealed class StepRunner
{
    private readonly Scenario _scenario;
    private readonly ScenarioContext _context;
    private readonly EngineOptions _options;
    private readonly CancellationToken _abort;

    public StepRunner(Scenario scenario, ScenarioContext context, EngineOptions options, EngineCounters counters, LatencyRecorder latency, CancellationToken abort)
    {
        _scenario = scenario;
        _context = context;
        _options = options;
        Counters = counters;
        Latency = latency;
        _abort = abort;
    }

    public EngineCounters Counters { get; }

    public LatencyRecorder Latency { get; }

    /// <summary>
    /// The tasks of <paramref name="input"/>: each row once per trial, without the ids that already have a
    /// record (counted as skipped). Reading is lazy: a row is read only when the previous tasks were taken.
    /// </summary>
    public async IAsyncEnumerable<(InputRow Row, int Trial, string Id)> TasksOf(IAsyncEnumerable<InputRow> input, [EnumeratorCancellation] CancellationToken cancellationToken)
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

                yield return (row, trial, id);
            }
        }
    }

    /// <summary>Creates an admitted task (counted, timed from now) and runs <see cref="Scenario.Begin"/>: its first route.</summary>
    public (Orchestrator Task, Route Route) Admit(InputRow row, int trial, string id, int homeRank)
    {
        Counters.OnAdmitted();
        var task = new Orchestrator(id, trial, TaskIds.SeedOf(_options.Seed, id), row.Index, row.Payload ?? row) { HomeRank = homeRank };
        LatencyRecorder.OnAdmitted(task, Latency.Now());
        return (task, Begin(task, row));
    }

    /// <summary>
    /// Runs one agent step of <paramref name="role"/> on <paramref name="task"/> (fetching offloaded content
    /// first and offloading after, when a gateway is given). Never throws: returns null when the step ran,
    /// or the failed route its exception maps to. Times the hop that led here and starts the next one.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Route?> RunAsync(string role, IAgent agent, Orchestrator task, ContentGateway? content = null, bool readsContent = false)
    {
        Latency.OnStepStart(task);
        try
        {
            if (content is not null && readsContent)
            {
                await content.HydrateAsync(task, withReasoning: false, _abort).ConfigureAwait(false);
            }

            await agent.RunAsync(task, _abort).ConfigureAwait(false);
            if (content is not null)
            {
                await content.OffloadAsync(task, _abort).ConfigureAwait(false);
            }

            task.Hops++;
            Counters.OnHop();
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Failure(role, task, e);
        }
        finally
        {
            Latency.OnStepEnd(task);
        }
    }

    /// <summary>After a step of <paramref name="role"/> ran: <c>max_hops</c>, else the scenario's next route. Never throws.</summary>
    public Route Next(string role, Orchestrator task)
    {
        if (task.Hops >= _options.MaxHops)
        {
            return Route.Fail("max_hops");
        }

        try
        {
            return _scenario.Next(task, _context);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Failure(role, task, e);
        }
    }

    /// <summary>The scenario routed the task to a role it does not have.</summary>
    public Route UnknownRole(Orchestrator task, string role)
    {
        task.Error = $"{_scenario.Name} routed the task to unknown role '{role}'";
        return Route.Fail("routing_error");
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

    /// <summary>The agent boundary: an exception of a step (or of routing after it) fails that task alone.</summary>
    private Route Failure(string role, Orchestrator task, Exception e)
    {
        switch (e)
        {
            case OperationCanceledException when _abort.IsCancellationRequested:
                task.Error = $"{role}: cancelled";
                return Route.Fail("cancelled");
            case LlmException llm:
                // The client already retried. The task keeps its trajectory so far.
                task.Error = $"{role}: {e.Message}";
                return Route.Fail(llm.Reason ?? "llm_error");
            default:
                task.Error = $"{role}: {e.GetType().Name}: {e.Message}";
                return Route.Fail("agent_error");
        }
    }
}
