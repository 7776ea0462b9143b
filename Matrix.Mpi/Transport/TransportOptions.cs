using Microsoft.Extensions.Logging;

namespace Matrix.Mpi.Transport;

/// <summary>How a rank's <see cref="NetMqPeerTransport"/> binds, authenticates and queues.</summary>
public sealed record TransportOptions
{
    /// <summary>The defaults: secure, bind every interface, advertise the host name.</summary>
    public static TransportOptions Default { get; } = new();

    /// <summary>
    /// CurveZMQ on every socket plus the job's HMAC on every frame. <c>false</c> is for debugging only:
    /// no encryption and no per-frame MAC (the HELLO still identifies the rank).
    /// </summary>
    /// <value><c>true</c> by default.</value>
    public bool Secure { get; init; } = true;

    /// <summary>The interface the ROUTER binds (a random port is chosen).</summary>
    /// <value><c>"*"</c> (every interface) by default; tests use <c>"127.0.0.1"</c>.</value>
    public string BindAddress { get; init; } = "*";

    /// <summary>The host name or address peers dial; <c>null</c> means <see cref="System.Net.Dns.GetHostName"/>.</summary>
    public string? AdvertiseHost { get; init; }

    /// <summary>How long each step of connecting may take: every peer answering this rank's HELLO, and each collective.</summary>
    /// <value>30 s by default.</value>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Messages queued per peer before <see cref="NetMqPeerTransport.SendAsync"/> waits (backpressure).</summary>
    /// <value>65,536 by default.</value>
    public int SendQueueCapacity { get; init; } = 65_536;

    /// <summary>Payload bytes batched into one frame (a larger message travels alone in its own frame).</summary>
    /// <value>256 KiB by default.</value>
    public int MaxBatchBytes { get; init; } = 256 * 1024;

    /// <summary>The largest single message <see cref="NetMqPeerTransport.SendAsync"/> accepts; also bounds received frames.</summary>
    /// <value>64 MiB by default.</value>
    public int MaxMessageBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// ZeroMQ send and receive high-water mark, in frames, per connection. A frame holds up to
    /// <see cref="MaxBatchBytes"/>, so the bytes ZeroMQ may buffer per peer and direction are about
    /// <c>HighWatermark x MaxBatchBytes</c> (plus kernel buffers) beyond the send queue.
    /// </summary>
    /// <value>256 by default.</value>
    public int HighWatermark { get; init; } = 256;

    /// <summary>How far a HELLO's timestamp may be from this rank's clock.</summary>
    /// <value>2 minutes by default.</value>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Where the transport logs its first fault and its rejected frames (once per connection, then a total at dispose);
    /// <c>null</c> logs nothing.
    /// </summary>
    public ILogger? Logger { get; init; }

    /// <summary>Test seam: rewrites the endpoint a peer published (peer rank, published endpoint) before dialling it.</summary>
    internal Func<int, string, string>? PeerEndpointOverride { get; init; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(BindAddress, nameof(BindAddress));
        if (AdvertiseHost is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(AdvertiseHost, nameof(AdvertiseHost));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(SendQueueCapacity, 1, nameof(SendQueueCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchBytes, 1, nameof(MaxBatchBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 1, nameof(MaxMessageBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxMessageBytes, WireFormat.MaxMessageBytesLimit, nameof(MaxMessageBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxBatchBytes, WireFormat.MaxMessageBytesLimit, nameof(MaxBatchBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(HighWatermark, 1, nameof(HighWatermark));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxClockSkew, TimeSpan.Zero, nameof(MaxClockSkew));
    }
}
