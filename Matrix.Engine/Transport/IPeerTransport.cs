namespace Matrix.Engine.Transport;

/// <summary>
/// Carries opaque messages (serialized orchestrators and small control messages) between the ranks of
/// one job. The engine serializes an orchestrator only when it leaves its rank; the transport never
/// parses payloads. Matrix.Mpi implements it over NetMQ, with endpoints found through MPI.
/// </summary>
public interface IPeerTransport : IAsyncDisposable
{
    /// <summary>This process's rank.</summary>
    int Rank { get; }

    /// <summary>How many ranks the job has.</summary>
    int Size { get; }

    /// <summary>Whether peers are authenticated and traffic encrypted (CurveZMQ + per-job MAC).</summary>
    bool Secure { get; }

    /// <summary>
    /// Starts delivering received messages to <paramref name="onMessage"/>. It runs on the transport's
    /// own thread, only for messages from authenticated ranks of this job, and must not block.
    /// </summary>
    void Start(PeerMessageHandler onMessage);

    /// <summary>
    /// Queues <paramref name="message"/> (copied) for <paramref name="rank"/>. Completes at once while
    /// the queue to that peer has room, later when it is full (backpressure).
    /// </summary>
    ValueTask SendAsync(int rank, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default);

    /// <summary>Traffic per peer, frames refused and connections that failed the handshake so far.</summary>
    TransportStatistics GetStatistics();
}

/// <summary>Receives one message from an authenticated peer rank; the span is valid only during the call.</summary>
public delegate void PeerMessageHandler(int fromRank, ReadOnlySpan<byte> message);

/// <summary>Messages and bytes exchanged with one peer rank (payload bytes, before encryption).</summary>
public sealed record PeerTraffic(int Rank, long MessagesSent, long BytesSent, long MessagesReceived, long BytesReceived);

/// <summary>What a rank's transport has done.</summary>
/// <param name="Secure">Whether CurveZMQ and the job's MAC were on.</param>
/// <param name="Peers">Traffic per peer rank (not this rank).</param>
/// <param name="FramesRejected">Frames dropped unparsed: from connections that never authenticated, with a bad MAC, or malformed.</param>
/// <param name="Frames">Frames sent (a frame may batch several messages).</param>
/// <param name="HandshakeFailures">Connections to this rank that closed without completing the handshake (for the NetMQ transport: CurveZMQ and the job's HELLO).</param>
public sealed record TransportStatistics(bool Secure, IReadOnlyList<PeerTraffic> Peers, long FramesRejected, long Frames, long HandshakeFailures);
