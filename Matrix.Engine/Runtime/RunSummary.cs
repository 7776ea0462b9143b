namespace Matrix.Engine.Runtime;

/// <summary>What one rank's run did, for the manifest and the closing line.</summary>
public sealed record RunSummary(
    long Admitted,
    long Succeeded,
    long Filtered,
    long Failed,
    long Hops,
    long PeakInFlight,
    long PromptTokens,
    long CompletionTokens,
    TimeSpan Elapsed,
    bool Cancelled,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> ReasonsByStatus,
    IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>Orchestrators and bytes exchanged with each peer rank (empty on one rank).</summary>
    public IReadOnlyList<PeerExchange> Peers { get; init; } = [];

    /// <summary>Hop and task latency histograms and the queued share's sums of this rank's tasks.</summary>
    public LatencySummary Latency { get; init; } = LatencySummary.Empty;
}
