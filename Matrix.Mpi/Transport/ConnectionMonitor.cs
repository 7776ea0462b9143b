using System.Net.Sockets;
using AsyncIO;
using NetMQ;
using NetMQ.Monitoring;
using NetMQ.Sockets;

namespace Matrix.Mpi.Transport;

/// <summary>
/// Watches a rank's ROUTER through NetMQ's socket monitor and reports each connection that closed without
/// authenticating: one that failed the CurveZMQ handshake (a plain or NULL-mechanism peer, a wrong server key,
/// bytes that are not ZMTP), or that got through ZeroMQ's part (ZMTP/1.0 has no handshake; a Curve client that
/// knows the server key) but never sent a HELLO this rank accepted.
/// </summary>
/// <remarks>
/// <para>
/// NetMQ 4.0.4.5 reports no handshake outcome: its <see cref="SocketEvents"/> end at Connected, Accepted,
/// Disconnected, Closed and their failures (libzmq's HANDSHAKE_FAILED_* events do not exist there). A connection
/// that fails the handshake is Accepted, then Disconnected when NetMQ drops it, exactly like a rank that leaves. So
/// the outcome is inferred: a connection that was Disconnected with no HELLO accepted on this ROUTER since it was
/// Accepted counts as a handshake failure. The rule never counts a rank's connection (its HELLO comes after its
/// Accepted event, which <see cref="Authenticated"/> reads first); it misses a probe whose whole life overlaps the
/// job's own authentications (at start-up); and it counts a rank's connection that ZeroMQ re-established after a
/// network failure when that one closes, since a DEALER does not repeat its HELLO.
/// </para>
/// <para>
/// The events come over an inproc PAIR socket that the transport's poller thread owns like every other socket of
/// the rank. NetMQ's monitor reads one event each time the poller raises the PAIR, so several can wait there while
/// the ROUTER already holds the HELLOs of those connections: <see cref="Authenticated"/> (called while the ROUTER is
/// read) therefore reads every pending event first. The monitor reads the PAIR with an infinite timeout, so the
/// poller must never raise it after such a drain within the same iteration: <see cref="Socket"/> goes into the
/// poller before the ROUTER. The monitor is attached before the ROUTER binds, so that no connection is accepted
/// unseen.
/// </para>
/// </remarks>
internal sealed class ConnectionMonitor : IDisposable
{
    /// <summary>Events drained at most per <see cref="Authenticated"/>, so that a flood cannot hold the poller thread.</summary>
    private const int DrainBudget = 4096;

    private readonly PairSocket _socket;
    private readonly NetMQMonitor _monitor;

    /// <summary>Connections accepted and not yet closed: the number of HELLOs accepted when each was seen, and its peer's address.</summary>
    private readonly Dictionary<AsyncSocket, (long Authentications, string? Remote)> _open = new(ReferenceEqualityComparer.Instance);

    private long _authentications;

    private ConnectionMonitor(PairSocket socket, NetMQMonitor monitor)
    {
        _socket = socket;
        _monitor = monitor;
        _monitor.Accepted += OnAccepted;
        _monitor.Disconnected += OnDisconnected;
    }

    /// <summary>Poller thread: connections accepted and not closed, as far as the events read so far tell.</summary>
    public int OpenConnections => _open.Count;

    /// <summary>The PAIR socket the events arrive on: add it to the poller that owns the ROUTER, before the ROUTER.</summary>
    public NetMQSocket Socket => _socket;

    /// <summary>
    /// Runs on the poller thread for each connection that closed without authenticating, with the peer's address when
    /// it was still known (null otherwise); it must not throw. Set it before the poller runs.
    /// </summary>
    public Action<string?>? Failed { get; set; }

    /// <summary>
    /// Starts monitoring <paramref name="router"/>; call it on the thread that owns the ROUTER, before the ROUTER
    /// binds and before the poller runs.
    /// </summary>
    public static ConnectionMonitor Attach(RouterSocket router)
    {
        ArgumentNullException.ThrowIfNull(router);
        var endpoint = $"inproc://matrix-transport-monitor-{Guid.NewGuid():N}";
        router.Monitor(endpoint, SocketEvents.Accepted | SocketEvents.Disconnected);
        var socket = new PairSocket();
        try
        {
            socket.Options.Linger = TimeSpan.Zero;
            socket.Connect(endpoint);
            return new ConnectionMonitor(socket, new NetMQMonitor(socket, endpoint, ownsSocket: false));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Poller thread: a HELLO was accepted. Reads the pending events first, so that the connection it came over
    /// is already known as accepted before this one authentication.
    /// </summary>
    public void Authenticated()
    {
        for (var i = 0; i < DrainBudget && _socket.Poll(TimeSpan.Zero); i++)
        {
        }

        _authentications++;
    }

    /// <summary>After the poller stopped and after the ROUTER was disposed (NetMQ wants the watched socket gone first).</summary>
    public void Dispose()
    {
        _monitor.Accepted -= OnAccepted;
        _monitor.Disconnected -= OnDisconnected;
        _monitor.Dispose();
        _socket.Dispose();
        _open.Clear();
    }

    private void OnAccepted(object? sender, NetMQMonitorSocketEventArgs e)
    {
        // A connection that NetMQ already closed and the GC collected arrives without its socket: its Disconnected
        // event, also without one, counts it.
        if (e.Socket is { } socket)
        {
            _open[socket] = (_authentications, RemoteOf(socket));
        }
    }

    private void OnDisconnected(object? sender, NetMQMonitorSocketEventArgs e)
    {
        if (e.Socket is { } socket && _open.Remove(socket, out var seen))
        {
            if (seen.Authentications == _authentications)
            {
                Failed?.Invoke(seen.Remote);
            }
        }
        else
        {
            Failed?.Invoke(null);
        }
    }

    /// <summary>The peer's address; the socket belongs to NetMQ's I/O thread and may already be closed, so this only reads.</summary>
    private static string? RemoteOf(AsyncSocket socket)
    {
        try
        {
            return socket.RemoteEndPoint?.ToString();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException or InvalidOperationException)
        {
            return null;
        }
    }
}
