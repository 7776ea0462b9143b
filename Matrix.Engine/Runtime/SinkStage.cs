using System.Threading.Tasks.Dataflow;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Output;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Store;

namespace Matrix.Engine.Runtime;

/// <summary>
/// The end of every task a rank admitted, for every scheduler: the single-threaded sink block, which times the
/// task, hydrates offloaded content, writes its record, frees its content, counts its status and reason and feeds
/// the scenario's metrics; at the end it summarizes the run. A write failure cancels the run.
/// </summary>
internal sealed class SinkStage
{
    private readonly ITaskSink _sink;
    private readonly ScenarioMetrics _metrics;
    private readonly EngineCounters _counters;
    private readonly LatencyRecorder _latency;
    private readonly ContentGateway? _content;
    private readonly CancellationTokenSource _abort;
    private readonly Action<Orchestrator> _written;
    private readonly ActionBlock<Orchestrator> _block;
    private readonly Dictionary<(string Status, string Reason), long> _reasons = [];
    private long _metricsErrors;

    /// <summary>
    /// A sink stage of capacity <paramref name="capacity"/> (the most tasks that can exist at once, so a post never
    /// finds the block full) that calls <paramref name="written"/> on the sink's thread after each task's record
    /// is written, or its write failed.
    /// </summary>
    public SinkStage(ITaskSink sink, ScenarioMetrics metrics, EngineCounters counters, LatencyRecorder latency, ContentGateway? content, CancellationTokenSource abort, int capacity, Action<Orchestrator> written)
    {
        _sink = sink;
        _metrics = metrics;
        _counters = counters;
        _latency = latency;
        _content = content;
        _abort = abort;
        _written = written;
        _block = new ActionBlock<Orchestrator>(
            WriteAsync,
            new ExecutionDataflowBlockOptions { BoundedCapacity = capacity, MaxDegreeOfParallelism = 1, EnsureOrdered = false });
    }

    /// <summary>Where finished tasks go; one thread, finishing order.</summary>
    public ActionBlock<Orchestrator> Block => _block;

    /// <summary>The first write failure; the run fails with it once every task has come through.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>After every task reached <see cref="Block"/>: waits until the last record went to the sink.</summary>
    public async Task CompleteAsync()
    {
        _block.Complete();
        await _block.Completion.ConfigureAwait(false);
    }

    /// <summary>The sink block's body: writes the finished <paramref name="task"/>. Never throws (the block must not fault).</summary>
    private async Task WriteAsync(Orchestrator task)
    {
        _latency.OnSinkTake(task);
        try
        {
            if (Failure is null)
            {
                if (_content is not null)
                {
                    await _content.HydrateAsync(task, withReasoning: true, CancellationToken.None).ConfigureAwait(false);
                }

                await _sink.WriteAsync(task).ConfigureAwait(false);
                if (_content is not null)
                {
                    // The sink copied the record; a crash before it is durable reruns the task on --resume.
                    await _content.FreeAsync(task, CancellationToken.None).ConfigureAwait(false);
                }
            }

            var key = (task.Outcome.ToColumnValue(), task.Reason ?? string.Empty);
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
            Failure ??= e;
            await _abort.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            _counters.OnFinished(task);
            _written(task);
        }
    }

    /// <summary>After the last task: fails the run if a write failed, else flushes the sink.</summary>
    public async Task FinishAsync()
    {
        if (Failure is not null)
        {
            throw new IOException($"writing output failed: {Failure.Message}", Failure);
        }

        await _sink.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public RunSummary Summarize(TimeSpan elapsed, bool cancelled, IReadOnlyList<PeerExchange> peers)
    {
        var reasons = _reasons
            .GroupBy(kv => kv.Key.Status, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (IReadOnlyDictionary<string, long>)g.ToDictionary(kv => kv.Key.Reason, kv => kv.Value, StringComparer.Ordinal),
                StringComparer.Ordinal);
        var metrics = _metrics.Snapshot();
        if (_metricsErrors > 0)
        {
            metrics = new Dictionary<string, double>(metrics) { ["metrics_errors"] = _metricsErrors };
        }

        return new RunSummary(
            _counters.Admitted,
            _counters.Succeeded,
            _counters.Filtered,
            _counters.Failed,
            _counters.Hops,
            _counters.PeakInFlight,
            _counters.PromptTokens,
            _counters.CompletionTokens,
            elapsed,
            cancelled,
            reasons,
            metrics)
        {
            Peers = peers,
            Latency = _latency.Snapshot(),
        };
    }
}
