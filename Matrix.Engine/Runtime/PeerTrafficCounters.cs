namespace Matrix.Engine.Runtime;

/// <summary>Orchestrators and bytes this rank exchanged with one peer, plus what routing knows of its load.</summary>
internal sealed class PeerTrafficCounters
{
    private long _sent;
    private long _bytesSent;
    private long _received;
    private long _bytesReceived;
    private int _load;
    private int _sentSinceLoad;

    public long Sent => Interlocked.Read(ref _sent);

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public long Received => Interlocked.Read(ref _received);

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>The peer's queued steps as it last told us, plus what we sent it since: the routing estimate.</summary>
    public int EstimatedLoad => Volatile.Read(ref _load) + Volatile.Read(ref _sentSinceLoad);

    public void OnSent(int bytes)
    {
        Interlocked.Increment(ref _sent);
        Interlocked.Add(ref _bytesSent, bytes);
        Interlocked.Increment(ref _sentSinceLoad);
    }

    public void OnReceived(int bytes, int load)
    {
        Interlocked.Increment(ref _received);
        Interlocked.Add(ref _bytesReceived, bytes);
        Volatile.Write(ref _load, load);
        Volatile.Write(ref _sentSinceLoad, 0);
    }
}

/// <summary>What a rank exchanged with one peer, for the manifest.</summary>
public sealed record PeerExchange(int Rank, long OrchestratorsSent, long BytesSent, long OrchestratorsReceived, long BytesReceived);
