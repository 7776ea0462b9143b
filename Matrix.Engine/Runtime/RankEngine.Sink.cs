using Matrix.Engine.Orchestration;

namespace Matrix.Engine.Runtime;

/// <summary>The sink half of <see cref="RankEngine"/>: the single-threaded end of every task this rank admitted.</summary>
public sealed partial class RankEngine
{
    /// <summary>The sink block's body: one thread, finishing order. A write failure aborts the run.</summary>
    private async Task WriteAsync(Orchestrator task)
    {
        try
        {
            if (_sinkFailure is null)
            {
                if (_content is not null)
                {
                    await _content.HydrateAsync(task, CancellationToken.None).ConfigureAwait(false);
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
        var metrics = _metrics.Snapshot();
        if (_metricsErrors > 0)
        {
            metrics = new Dictionary<string, double>(metrics) { ["metrics_errors"] = _metricsErrors };
        }

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
            metrics)
        {
            Peers = PeerExchanges(),
        };
    }
}
