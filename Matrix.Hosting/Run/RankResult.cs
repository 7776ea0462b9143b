using System.Text.Json;
using Matrix.Engine.Runtime;

namespace Matrix.Hosting.Run;

/// <summary>What one rank tells rank 0 at the end of a run, so that the manifest covers the whole job.</summary>
internal sealed record RankResult(
    int Rank,
    string Host,
    long Admitted,
    long Succeeded,
    long Filtered,
    long Failed,
    long Hops,
    long PeakInFlight,
    long PromptTokens,
    long CompletionTokens,
    double ElapsedSeconds,
    bool Cancelled,
    Dictionary<string, Dictionary<string, long>> Reasons,
    Dictionary<string, double> Metrics,
    long LlmRequests,
    long LlmRetries,
    long LlmFailures,
    long Rows,
    int Parts,
    long Bytes,
    List<string> Files,
    List<PeerExchange> Peers,
    long FramesRejected,
    long DecodeErrors)
{
    public long OffloadedBytes { get; init; }

    /// <summary>200 answers that were not a complete chat completion, each retried.</summary>
    public long LlmMalformed { get; init; }

    public long LlmContextLength { get; init; }

    public long LlmEjections { get; init; }

    public long LocalFetches { get; init; }

    public long RemoteFetches { get; init; }

    public long StorePuts { get; init; }

    public long StoreBytesOnDisk { get; init; }

    /// <summary>Every payload byte this rank's transport sent (orchestrators, content fetches, progress).</summary>
    public long TransportBytesSent { get; init; }

    /// <summary>Connections to this rank's transport that closed without completing the handshake; null when not reported (the manifest then leaves it out).</summary>
    public long? HandshakeFailures { get; init; }

    /// <summary>This rank's hop latency histogram (nanoseconds, <see cref="LatencyBuckets"/>), trailing empty buckets left off.</summary>
    public long[] HopLatencyBuckets { get; init; } = [];

    /// <summary>This rank's task latency histogram (nanoseconds), trailing empty buckets left off.</summary>
    public long[] TaskLatencyBuckets { get; init; } = [];

    /// <summary>Σ queued time of the tasks this rank's sink took, in nanoseconds.</summary>
    public long QueuedNanoseconds { get; init; }

    /// <summary>Σ latency of the tasks this rank's sink took, in nanoseconds.</summary>
    public long TaskNanoseconds { get; init; }

    /// <summary>CPU time of this rank's process at the end of the run.</summary>
    public double CpuSeconds { get; init; }

    /// <summary>Peak resident memory of this rank's process (VmHWM).</summary>
    public long PeakMemoryBytes { get; init; }

    /// <summary>The latency figures this rank sent, to merge with the other ranks'.</summary>
    public LatencySummary Latency() =>
        new(new LatencyHistogramSnapshot(HopLatencyBuckets), new LatencyHistogramSnapshot(TaskLatencyBuckets), QueuedNanoseconds, TaskNanoseconds);

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this);

    public static RankResult FromBytes(byte[] bytes) =>
        JsonSerializer.Deserialize<RankResult>(bytes) ?? throw new InvalidDataException("empty rank report");
}
