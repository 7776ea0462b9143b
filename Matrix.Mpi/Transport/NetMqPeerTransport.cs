using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Threading.Channels;
using Matrix.Engine.Transport;
using Matrix.Mpi.Ranks;
using Microsoft.Extensions.Logging;
using NetMQ;
using NetMQ.Sockets;

namespace Matrix.Mpi.Transport;

/// <summary>
/// The peer transport over NetMQ: each rank binds one ROUTER (everything it receives) and connects one
/// DEALER to every peer's ROUTER (everything it sends). Endpoints, Curve public keys and rank 0's job
/// secret travel through the rank exchange (MPI); then every DEALER authenticates with a MAC'd HELLO and
/// waits for a MAC'd WELCOME. With <see cref="TransportOptions.Secure"/> every socket runs CurveZMQ and
/// every data frame carries a MAC under a per-connection key, because NetMQ 4.0.4.5 has no ZAP and lets a
/// plaintext ZMTP/1.0 peer deliver frames to a Curve ROUTER; the MAC, not Curve, decides what is accepted.
/// Frame layouts: <see cref="WireFormat"/>.
/// </summary>
/// <remarks>
/// One dedicated poller thread owns every socket, the PAIR of the ROUTER's monitor included (connections that close
/// without authenticating are counted as handshake failures: <see cref="ConnectionMonitor"/>). <see cref="SendAsync"/> copies the message into a pooled
/// buffer and queues it on a bounded per-peer channel (backpressure: it waits while that queue is full); the
/// poller batches queued messages into frames of up to <see cref="TransportOptions.MaxBatchBytes"/>, since
/// Curve costs per frame. Received messages are handed to the <see cref="PeerMessageHandler"/> on the poller
/// thread, in order per sender: the handler must not block, or it stalls every socket of this rank.
/// </remarks>
public sealed partial class NetMqPeerTransport : IPeerTransport
{
    private readonly TransportOptions _options;
    private readonly byte[] _secret;
    private readonly byte[][] _publicKeys;
    private readonly string[] _endpoints;
    private readonly RouterSocket _router;
    private readonly ConnectionMonitor _monitor;
    private readonly NetMQQueue<int> _wake;
    private readonly NetMQPoller _poller;
    private readonly Peer?[] _peerByRank;
    private readonly Peer[] _peers;
    private readonly TrafficCounters[] _traffic;
    private readonly TaskCompletionSource _allWelcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _maxFrameBytes;
    private long _framesRejected;
    private long _framesSent;
    private long _handshakeFailures;
    private int _wakeRequested;
    private int _started;
    private int _disposed;
    private Exception? _firstError;
    private readonly ILogger? _logger;
    private readonly HashSet<string> _rejectSources = new(StringComparer.Ordinal);
    private const int MaxLoggedSources = 64;

    private NetMqPeerTransport(
        int rank, int size, TransportOptions options, RouterSocket router, ConnectionMonitor monitor, NetMQCertificate? certificate,
        string[] endpoints, byte[][] publicKeys, byte[] secret)
    {
        Rank = rank;
        Size = size;
        _options = options;
        _logger = options.Logger;
        _router = router;
        _monitor = monitor;
        _endpoints = endpoints;
        _publicKeys = publicKeys;
        _secret = secret;
        _maxFrameBytes = WireFormat.DataHeaderLength + WireFormat.DataMacLength
            + Math.Max(options.MaxBatchBytes, WireFormat.LengthPrefix + options.MaxMessageBytes);
        _traffic = new TrafficCounters[size];
        _peerByRank = new Peer?[size];
        var peers = new List<Peer>(Math.Max(0, size - 1));
        _wake = new NetMQQueue<int>();
        _poller = new NetMQPoller();
        try
        {
            for (var r = 0; r < size; r++)
            {
                _traffic[r] = new TrafficCounters();
                if (r != rank)
                {
                    var peer = CreatePeer(r, certificate);
                    _peerByRank[r] = peer;
                    peers.Add(peer);
                }
            }
        }
        catch
        {
            foreach (var peer in peers)
            {
                peer.Dispose();
            }

            _wake.Dispose();
            _poller.Dispose();
            throw;
        }

        _peers = [.. peers];
        _monitor.Failed = OnHandshakeFailed;
        _router.ReceiveReady += OnRouterReceiveReady;
        _wake.ReceiveReady += OnWake;

        // The monitor's socket goes first: see ConnectionMonitor.
        _poller.Add(_monitor.Socket);
        _poller.Add(_router);
        _poller.Add(_wake);
        foreach (var peer in _peers)
        {
            _poller.Add(peer.Dealer);
        }

        if (_peers.Length == 0)
        {
            _allWelcomed.TrySetResult();
        }

        _poller.RunAsync($"matrix-transport-r{rank}", isBackgroundThread: true);
    }

    /// <inheritdoc/>
    public int Rank { get; }

    /// <inheritdoc/>
    public int Size { get; }

    /// <inheritdoc/>
    public bool Secure => _options.Secure;

    /// <summary>The endpoint this rank published for its ROUTER: <c>tcp://{advertised host}:{bound port}</c>; what peers (and attackers) dial.</summary>
    public string LocalEndpoint => _endpoints[Rank];

    /// <summary>Every rank's published endpoint, in rank order (this rank's included).</summary>
    public IReadOnlyList<string> PeerEndpoints => _endpoints;

    /// <summary>
    /// The first exception caught on the poller thread, if any: thrown by the <see cref="PeerMessageHandler"/>
    /// (delivery continues) or by a socket. The poller thread never lets one escape, which would end the process.
    /// </summary>
    public Exception? FirstError => Volatile.Read(ref _firstError);

    /// <summary>
    /// Binds this rank's ROUTER, exchanges endpoints, keys and the job secret with every rank, connects and
    /// authenticates to every peer, then waits at a barrier so that every rank is ready before any traffic.
    /// </summary>
    /// <exception cref="PeerUnreachableException">A peer did not answer within <see cref="TransportOptions.ConnectTimeout"/>.</exception>
    /// <exception cref="TimeoutException">A collective (endpoint exchange or the final barrier) did not complete within the timeout.</exception>
    public static async Task<NetMqPeerTransport> ConnectAsync(IRankExchange exchange, TransportOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var rank = exchange.Rank;
        var size = exchange.Size;

        var certificate = options.Secure ? new NetMQCertificate() : null;
        var router = new RouterSocket();
        ConnectionMonitor? monitor = null;
        NetMqPeerTransport? transport = null;
        try
        {
            ConfigureRouter(router, options, certificate);
            monitor = ConnectionMonitor.Attach(router);
            var port = router.BindRandomPort($"tcp://{options.BindAddress}");
            var host = options.AdvertiseHost ?? Dns.GetHostName();
            var mine = new PeerCard(
                options.Secure,
                $"tcp://{host}:{port.ToString(CultureInfo.InvariantCulture)}",
                certificate?.PublicKey ?? [],
                rank == 0 ? RandomNumberGenerator.GetBytes(WireFormat.SecretLength) : []);

            var cards = await CollectiveAsync(
                ct => exchange.AllgatherAsync(mine.Encode(), ct), options.ConnectTimeout, rank, "the endpoint exchange", cancellationToken).ConfigureAwait(false);
            if (cards.Length != size)
            {
                throw new InvalidDataException($"the rank exchange returned {cards.Length} cards for {size} ranks");
            }

            var parsed = new PeerCard[size];
            for (var r = 0; r < size; r++)
            {
                parsed[r] = PeerCard.Decode(r, cards[r]);
                if (parsed[r].Secure != options.Secure)
                {
                    throw new InvalidOperationException(
                        $"rank {r} runs the transport with Secure={parsed[r].Secure} but rank {rank} with Secure={options.Secure}; every rank must agree");
                }

                if (options.Secure && parsed[r].PublicKey.Length != WireFormat.KeyLength)
                {
                    throw new InvalidDataException($"rank {r} published no Curve public key");
                }
            }

            if (parsed[0].Secret.Length != WireFormat.SecretLength)
            {
                throw new InvalidDataException("rank 0 published no job secret");
            }

            var endpoints = new string[size];
            for (var r = 0; r < size; r++)
            {
                endpoints[r] = r == rank || options.PeerEndpointOverride is null
                    ? parsed[r].Endpoint
                    : options.PeerEndpointOverride(r, parsed[r].Endpoint);
            }

            transport = new NetMqPeerTransport(
                rank, size, options, router, monitor, certificate, endpoints, [.. parsed.Select(p => p.PublicKey)], parsed[0].Secret.ToArray());
            await transport.WaitForWelcomesAsync(cancellationToken).ConfigureAwait(false);
            await CollectiveAsync(
                async ct =>
                {
                    await exchange.BarrierAsync(ct).ConfigureAwait(false);
                    return true;
                },
                options.ConnectTimeout, rank, "the barrier after connecting (another rank could not reach all its peers)", cancellationToken).ConfigureAwait(false);
            return transport;
        }
        catch
        {
            if (transport is not null)
            {
                await transport.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                router.Dispose();
                monitor?.Dispose();
            }

            throw;
        }
    }

    /// <summary>
    /// Releases NetMQ's process-wide context. Call once at process exit, after every transport (and any other
    /// NetMQ socket or poller in the process) is disposed; never from a transport's own disposal, since several
    /// transports can share one process.
    /// </summary>
    public static void CleanupProcess() => NetMQConfig.Cleanup(block: false);

    /// <inheritdoc/>
    /// <remarks>
    /// Messages that arrived before this call were kept and are delivered first. The handler runs on the
    /// transport's poller thread; it must not block, and an exception it throws is caught (see
    /// <see cref="FirstError"/>) so that delivery continues.
    /// </remarks>
    public void Start(PeerMessageHandler onMessage)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("The transport was already started.");
        }

        _ = RunOnPoller(() => BeginDelivering(onMessage));
    }

    /// <inheritdoc/>
    public ValueTask SendAsync(int rank, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if ((uint)rank >= (uint)Size || rank == Rank)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank {Rank} can send to ranks 0..{Size - 1} except itself");
        }

        if (message.Length > _options.MaxMessageBytes)
        {
            throw new ArgumentException(
                $"a {message.Length}-byte message exceeds {nameof(TransportOptions.MaxMessageBytes)} ({_options.MaxMessageBytes})", nameof(message));
        }

        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();

        var peer = _peerByRank[rank]!;
        var buffer = message.Length == 0 ? [] : ArrayPool<byte>.Shared.Rent(message.Length);
        message.Span.CopyTo(buffer);
        var item = new Outgoing(buffer, message.Length);
        if (peer.Queue.Writer.TryWrite(item))
        {
            RequestWake();
            return default;
        }

        return SendSlowAsync(peer, item, cancellationToken);
    }

    /// <inheritdoc/>
    public TransportStatistics GetStatistics()
    {
        var peers = new List<PeerTraffic>(_peers.Length);
        foreach (var peer in _peers)
        {
            var t = _traffic[peer.Rank];
            peers.Add(new PeerTraffic(
                peer.Rank,
                Interlocked.Read(ref t.MessagesSent),
                Interlocked.Read(ref t.BytesSent),
                Interlocked.Read(ref t.MessagesReceived),
                Interlocked.Read(ref t.BytesReceived)));
        }

        return new TransportStatistics(
            Secure, peers, Interlocked.Read(ref _framesRejected), Interlocked.Read(ref _framesSent), Interlocked.Read(ref _handshakeFailures));
    }

    /// <summary>
    /// Stops accepting messages, hands what is queued to the sockets without waiting for peers, stops the
    /// poller and disposes every socket. Messages still queued behind a full connection are dropped. Does
    /// not call <see cref="NetMQConfig.Cleanup"/> (see <see cref="CleanupProcess"/>). Must not be called from
    /// the message handler.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_poller.CanExecuteTaskInline)
        {
            throw new InvalidOperationException("Dispose the transport from outside its message handler.");
        }

        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var peer in _peers)
        {
            peer.Queue.Writer.TryComplete();
        }

        if (_poller.IsRunning)
        {
            try
            {
                await RunOnPoller(FlushQueued).WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The poller is stuck (a blocking handler); stop it regardless.
            }

            _poller.Stop();
        }

        _allWelcomed.TrySetCanceled();
        foreach (var peer in _peers)
        {
            peer.Dispose();
        }

        _router.Dispose();
        _monitor.Dispose();
        _wake.Dispose();
        _poller.Dispose();
        if (Interlocked.Read(ref _framesRejected) is var rejected and > 0)
        {
            _logger?.FramesRejectedTotal(rejected, Rank, _rejectSources.Count);
        }

        if (Interlocked.Read(ref _handshakeFailures) is var failures and > 0)
        {
            _logger?.HandshakeFailuresTotal(failures, Rank);
        }

        foreach (var connection in _inbound.Values)
        {
            connection.Dispose();
        }

        _inbound.Clear();
        CryptographicOperations.ZeroMemory(_secret);
    }

    /// <summary>The Curve public key <paramref name="rank"/> published (empty when not secure); public knowledge, for tests that attack.</summary>
    internal ReadOnlyMemory<byte> PublicKeyOf(int rank) => _publicKeys[rank];

    /// <summary>Test seam: stops (or resumes) reading this rank's ROUTER, as a receiver that cannot keep up would.</summary>
    internal Task SetReceivingPausedAsync(bool paused) => RunOnPoller(() =>
    {
        _router.ReceiveReady -= OnRouterReceiveReady;
        if (!paused)
        {
            _router.ReceiveReady += OnRouterReceiveReady;
        }
    });

    /// <summary>Test seam: whether the way to <paramref name="rank"/> is full (its queue at capacity, its socket at the high-water mark), read on the poller thread.</summary>
    internal Task<bool> SendBlockedAsync(int rank) => RunOnPoller(() =>
        _peerByRank[rank] is { } peer && peer.SendReadyArmed && peer.Queue.Reader.Count >= _options.SendQueueCapacity);

    /// <summary>Test seam: how many incoming connections authenticated (a WELCOME went back to each), read on the poller thread.</summary>
    internal Task<int> AuthenticatedConnectionsAsync() => RunOnPoller(() => _inbound.Count);

    /// <summary>Test seam: connections this rank's ROUTER accepted that have not closed, as the monitor has seen them so far.</summary>
    internal Task<int> OpenConnectionsAsync() => RunOnPoller(() => _monitor.OpenConnections);

    private static void ConfigureRouter(RouterSocket router, TransportOptions options, NetMQCertificate? certificate)
    {
        router.Options.Linger = TimeSpan.Zero;
        router.Options.ReceiveHighWatermark = options.HighWatermark;
        router.Options.SendHighWatermark = options.HighWatermark;
        router.Options.MaxMsgSize = WireFormat.DataHeaderLength + WireFormat.DataMacLength
            + Math.Max(options.MaxBatchBytes, WireFormat.LengthPrefix + options.MaxMessageBytes);
        if (certificate is not null)
        {
            router.Options.CurveServer = true;
            router.Options.CurveCertificate = certificate;
        }
    }

    private static async Task<T> CollectiveAsync<T>(
        Func<CancellationToken, Task<T>> collective, TimeSpan timeout, int rank, string what, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await collective(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"rank {rank}: {what} did not complete within {Seconds(timeout)} s");
        }
    }

    private static string Seconds(TimeSpan span) => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private Peer CreatePeer(int rank, NetMQCertificate? certificate)
    {
        var identity = WireFormat.NewIdentity();
        var nonce = RandomNumberGenerator.GetBytes(WireFormat.NonceLength);
        var dealer = new DealerSocket();
        try
        {
            dealer.Options.Identity = identity;
            dealer.Options.Linger = TimeSpan.FromSeconds(1);
            dealer.Options.SendHighWatermark = _options.HighWatermark;
            dealer.Options.ReceiveHighWatermark = _options.HighWatermark;
            if (certificate is not null)
            {
                dealer.Options.CurveServerKey = _publicKeys[rank];
                dealer.Options.CurveCertificate = certificate;
            }

            dealer.Connect(_endpoints[rank]);
            var hello = WireFormat.WriteHello(
                Rank, rank, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), nonce, identity,
                certificate?.PublicKey ?? [], _options.Secure, _secret);

            // The poller is not running yet, so this thread may still use the socket. A fresh DEALER's pipe
            // exists as soon as it connects, so the HELLO is queued even before TCP is up.
            if (!dealer.TrySendFrame(hello))
            {
                throw new InvalidOperationException($"could not queue the HELLO to rank {rank}");
            }

            var key = WireFormat.DeriveConnectionKey(_secret, Rank, rank, nonce, identity);
            var queue = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(_options.SendQueueCapacity)
            {
                FullMode = BoundedChannelFullMode.Wait,
                SingleReader = true,
                SingleWriter = false,
                AllowSynchronousContinuations = false,
            });
            var mac = _options.Secure ? IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key) : null;
            var peer = new Peer(rank, dealer, nonce, queue, mac);
            CryptographicOperations.ZeroMemory(key);
            dealer.ReceiveReady += (_, _) => OnDealerReceiveReady(peer);
            peer.OnSendReady = (_, _) => OnDealerSendReady(peer);
            return peer;
        }
        catch
        {
            dealer.Dispose();
            throw;
        }
    }

    private async Task WaitForWelcomesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _allWelcomed.Task.WaitAsync(_options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var missing = _peers.Where(p => !Volatile.Read(ref p.Welcomed)).ToList();
            if (missing.Count == 0)
            {
                return;
            }

            var ranks = missing.Select(p => p.Rank).ToList();
            var endpoints = missing.Select(p => _endpoints[p.Rank]).ToList();
            var who = string.Join("; ", missing.Select(p => $"rank {p.Rank} at {_endpoints[p.Rank]}"));
            var verb = missing.Count == 1 ? "did" : "did all";
            throw new PeerUnreachableException(
                $"{who} {verb} not answer rank {Rank}'s HELLO within {Seconds(_options.ConnectTimeout)} s", ranks, endpoints);
        }
    }

    private async ValueTask SendSlowAsync(Peer peer, Outgoing item, CancellationToken cancellationToken)
    {
        try
        {
            await peer.Queue.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            item.Return();
            throw new ObjectDisposedException(nameof(NetMqPeerTransport));
        }
        catch
        {
            item.Return();
            throw;
        }

        RequestWake();
    }

    private void RequestWake()
    {
        if (Interlocked.Exchange(ref _wakeRequested, 1) == 0)
        {
            try
            {
                _wake.Enqueue(0);
            }
            catch (ObjectDisposedException)
            {
                // Disposed concurrently: nothing will be sent anyway.
            }
        }
    }

    private Task RunOnPoller(Action action) =>
        Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _poller);

    private Task<T> RunOnPoller<T>(Func<T> read) =>
        Task.Factory.StartNew(read, CancellationToken.None, TaskCreationOptions.DenyChildAttach, _poller);

    /// <summary>A queued message: a pooled copy of the caller's bytes.</summary>
    private readonly record struct Outgoing(byte[] Buffer, int Length)
    {
        public void Return()
        {
            if (Buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(Buffer);
            }
        }
    }

    /// <summary>Interlocked counters of one peer's traffic.</summary>
    private sealed class TrafficCounters
    {
        public long MessagesSent;
        public long BytesSent;
        public long MessagesReceived;
        public long BytesReceived;
    }

    /// <summary>The sending side towards one peer; its socket, sequence and pending frame belong to the poller thread.</summary>
    private sealed class Peer(int rank, DealerSocket dealer, byte[] nonce, Channel<Outgoing> queue, IncrementalHash? mac) : IDisposable
    {
        public int Rank { get; } = rank;

        public DealerSocket Dealer { get; } = dealer;

        public byte[] Nonce { get; } = nonce;

        public Channel<Outgoing> Queue { get; } = queue;

        public IncrementalHash? Mac { get; } = mac;

        public EventHandler<NetMQSocketEventArgs>? OnSendReady { get; set; }

        public bool Welcomed;

        public ulong NextSequence;

        public byte[]? PendingFrame;

        public int PendingMessages;

        public long PendingBytes;

        public bool SendReadyArmed;

        public void Dispose()
        {
            Dealer.Dispose();
            Mac?.Dispose();
            while (Queue.Reader.TryRead(out var item))
            {
                item.Return();
            }
        }
    }

    /// <summary>An authenticated incoming connection (one peer's DEALER), keyed by its routing identity.</summary>
    private sealed class Inbound(int rank, IncrementalHash? mac) : IDisposable
    {
        public int Rank { get; } = rank;

        public IncrementalHash? Mac { get; } = mac;

        public ulong LastSequence;

        public void Dispose() => Mac?.Dispose();
    }
}
