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
            await _stage.WriteAsync(task).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private RunSummary Summarize(TimeSpan elapsed, bool cancelled) => _stage.Summarize(elapsed, cancelled, PeerExchanges());
}
