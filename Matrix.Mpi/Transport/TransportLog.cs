using Microsoft.Extensions.Logging;

namespace Matrix.Mpi.Transport;

/// <summary>
/// The transport's log messages (event ids 1200-1299). Said once, never per frame: the first fault, the first
/// rejected frame of each connection, the first connection that closed without completing the handshake, and the
/// totals (<c>frames_rejected</c>, <c>handshake_failures</c>) at dispose.
/// </summary>
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "transport of rank {Rank}: first fault on the poller thread; delivery goes on, later faults are not logged")]
    public static partial void FirstFault(this ILogger logger, int rank, Exception exception);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "rank {Rank} rejected a frame from {Source} ({Reason}); further frames from it are only counted")]
    public static partial void FrameRejected(this ILogger logger, int rank, string source, string reason);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "rank {Rank} rejected {Count} frames in all (frames_rejected) from {Sources} sources")]
    public static partial void FramesRejectedTotal(this ILogger logger, long count, int rank, int sources);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "rank {Rank}: a connection from {Source} closed without completing the handshake (CurveZMQ and the job's HELLO); further ones are only counted")]
    public static partial void FirstHandshakeFailure(this ILogger logger, int rank, string source);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "rank {Rank}: {Count} connections closed without completing the handshake in all (handshake_failures)")]
    public static partial void HandshakeFailuresTotal(this ILogger logger, long count, int rank);
}
