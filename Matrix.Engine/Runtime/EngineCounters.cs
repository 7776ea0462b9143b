using Matrix.Engine.Orchestration;

namespace Matrix.Engine.Runtime;

/// <summary>
/// Live counters of one rank's run. Written with interlocked operations from agent blocks and read by
/// the progress display, which never touches the inner loop.
/// </summary>
public sealed class EngineCounters
{
    private long _admitted;
    private long _succeeded;
    private long _filtered;
    private long _failed;
    private long _inFlight;
    private long _peakInFlight;
    private long _hops;
    private long _promptTokens;
    private long _completionTokens;
    private long _skipped;

    public long Admitted => Interlocked.Read(ref _admitted);

    public long Succeeded => Interlocked.Read(ref _succeeded);

    public long Filtered => Interlocked.Read(ref _filtered);

    public long Failed => Interlocked.Read(ref _failed);

    public long Finished => Succeeded + Filtered + Failed;

    public long InFlight => Interlocked.Read(ref _inFlight);

    /// <summary>The most tasks that were in flight at once: never above the concurrency.</summary>
    public long PeakInFlight => Interlocked.Read(ref _peakInFlight);

    /// <summary>Agent steps taken (an orchestrator handed from one agent to the next).</summary>
    public long Hops => Interlocked.Read(ref _hops);

    public long PromptTokens => Interlocked.Read(ref _promptTokens);

    /// <summary>Tasks not admitted because they already have a record (<c>--resume</c>).</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    public long CompletionTokens => Interlocked.Read(ref _completionTokens);

    /// <summary>These counters now; completion tokens and retries from the LLM client's counters when there are some.</summary>
    public CounterSnapshot Snapshot(Llm.LlmCounters? llm) => new(
        Admitted,
        Succeeded,
        Filtered,
        Failed,
        InFlight,
        Hops,
        llm?.CompletionTokens ?? CompletionTokens,
        llm?.Retries ?? 0);

    internal void OnAdmitted()
    {
        Interlocked.Increment(ref _admitted);
        var now = Interlocked.Increment(ref _inFlight);
        long peak;
        while (now > (peak = Interlocked.Read(ref _peakInFlight)) && Interlocked.CompareExchange(ref _peakInFlight, now, peak) != peak)
        {
        }
    }

    internal void OnSkipped() => Interlocked.Increment(ref _skipped);

    internal void OnHop() => Interlocked.Increment(ref _hops);

    internal void OnFinished(Orchestrator task)
    {
        switch (task.Outcome)
        {
            case TaskOutcome.Success:
                Interlocked.Increment(ref _succeeded);
                break;
            case TaskOutcome.Filtered:
                Interlocked.Increment(ref _filtered);
                break;
            default:
                Interlocked.Increment(ref _failed);
                break;
        }

        Interlocked.Add(ref _promptTokens, task.PromptTokens);
        Interlocked.Add(ref _completionTokens, task.CompletionTokens);
        Interlocked.Decrement(ref _inFlight);
    }
}
