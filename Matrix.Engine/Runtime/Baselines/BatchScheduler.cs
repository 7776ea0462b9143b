using System.Runtime.ExceptionServices;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Output;
using Matrix.Engine.Scenarios;

namespace Matrix.Engine.Runtime.Baselines;

/// <summary>
/// The batch baseline (<c>scheduler=batch</c>), after the Ray Data pipeline Matrix's batch-engine
/// comparison ran (<c>map_batches(BatchProcessing, batch_size=B, concurrency=K)</c>, each batch's rows run with
/// <c>asyncio.gather</c>): K workers each take the next B input rows, run the batch's tasks concurrently,
/// each walking Begin → step → Next → step … inline (no per-role queues), and take the next batch only when
/// the sink has taken every task of the current one. A slow task holds its whole batch's slots.
/// </summary>
/// <remarks>
/// K = <see cref="EngineOptions.BatchWorkers"/> (at most the concurrency) and the batches add up to the
/// concurrency exactly: B = concurrency / K, and the first concurrency mod K workers take one row more. So at
/// most as many tasks are in flight as with p2p at the same <c>--concurrency</c>.
/// </remarks>
internal sealed class BatchScheduler : BaselineScheduler
{
    private readonly int _workers;
    private readonly SemaphoreSlim _inputLock = new(1, 1);
    private IAsyncEnumerator<(InputRow Row, int Trial, string Id)>? _input;
    private bool _inputDone;
    private ExceptionDispatchInfo? _inputFailure;
    private long _batches;

    public BatchScheduler(Scenario scenario, ScenarioContext context, EngineOptions options, ITaskSink sink, EngineCounters? counters = null, LlmCounters? llm = null)
        : base(scenario, context, options, sink, counters, llm)
    {
        _workers = Math.Clamp(options.BatchWorkers, 1, options.Concurrency);
    }

    /// <summary>Batches every worker finished, all workers together.</summary>
    public long BatchesCompleted => Interlocked.Read(ref _batches);

    /// <summary>The batch size of worker <paramref name="worker"/> (0-based) with <paramref name="workers"/> workers.</summary>
    public static int BatchSize(int concurrency, int workers, int worker) => (concurrency / workers) + (worker < concurrency % workers ? 1 : 0);

    protected override async Task ExecuteAsync(IAsyncEnumerable<InputRow> input, CancellationToken stop)
    {
        _input = Steps.TasksOf(input, stop).GetAsyncEnumerator(stop);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, _workers).Select(w => WorkerAsync(BatchSize(Concurrency, _workers, w), stop))).ConfigureAwait(false);
        }
        finally
        {
            await _input.DisposeAsync().ConfigureAwait(false);
        }

        _inputFailure?.Throw();
    }

    private async Task WorkerAsync(int batchSize, CancellationToken stop)
    {
        await Task.Yield();
        var rows = new List<(InputRow Row, int Trial, string Id)>(batchSize);
        var walks = new List<Task>(batchSize);
        while (true)
        {
            rows.Clear();
            await TakeBatchAsync(rows, batchSize, stop).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                return;
            }

            walks.Clear();
            foreach (var (row, trial, id) in rows)
            {
                var (task, route) = Steps.Admit(row, trial, id, homeRank: 0);
                walks.Add(WalkAsync(task, route));
            }

            // The barrier: the next batch starts only when every task of this one is written.
            await Task.WhenAll(walks).ConfigureAwait(false);
            Interlocked.Increment(ref _batches);
        }
    }

    /// <summary>Reads the worker's next batch. Stopping drops the rows read but not admitted (they have no record: --resume reruns them).</summary>
    private async Task TakeBatchAsync(List<(InputRow Row, int Trial, string Id)> rows, int batchSize, CancellationToken stop)
    {
        await _inputLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            while (!_inputDone && rows.Count < batchSize)
            {
                try
                {
                    stop.ThrowIfCancellationRequested();
                    if (!await _input!.MoveNextAsync().ConfigureAwait(false))
                    {
                        _inputDone = true;
                        break;
                    }

                    rows.Add(_input.Current);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    OnStoppedEarly();
                    _inputDone = true;
                    rows.Clear();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // As with p2p: the tasks read before the failure run to their end, then the run fails with it.
                    _inputFailure = ExceptionDispatchInfo.Capture(e);
                    _inputDone = true;
                }
            }
        }
        finally
        {
            _inputLock.Release();
        }
    }

    /// <summary>One task's whole walk through the pipeline, inline; completes when the sink has taken it. Never throws.</summary>
    private async Task WalkAsync(Orchestrator task, Route route)
    {
        while (!route.IsDone)
        {
            var role = route.NextRole!;
            var agent = AgentOf(role);
            if (agent is null)
            {
                route = Steps.UnknownRole(task, role);
                break;
            }

            task.CurrentRole = role;
            route = await Steps.RunAsync(role, agent, task).ConfigureAwait(false) ?? Steps.Next(role, task);
        }

        await FinishAsync(task, route, waitForSink: true).ConfigureAwait(false);
    }
}
