using System.Buffers.Binary;
using System.Security.Cryptography;
using Matrix.Engine.Transport;
using NetMQ;

namespace Matrix.Mpi.Transport;

/// <summary>Everything here runs on the poller thread, which owns every socket and the state below.</summary>
public sealed partial class NetMqPeerTransport
{
    /// <summary>Frames read from the ROUTER per readiness event, so that sending is not starved.</summary>
    private const int ReceiveBudget = 256;

    /// <summary>Frames built per peer per wake-up, so that receiving is not starved.</summary>
    private const int SendBudget = 16;

    private readonly Dictionary<Key128, Inbound> _inbound = [];
    private readonly Dictionary<Key128, long> _seenNonces = [];
    private readonly List<Outgoing> _batch = [];
    private PeerMessageHandler? _handler;
    private List<(int Rank, byte[] Message)>? _early = [];
    private int _welcomed;

    private void BeginDelivering(PeerMessageHandler handler)
    {
        var early = _early;
        _early = null;
        _handler = handler;
        if (early is null)
        {
            return;
        }

        foreach (var (rank, message) in early)
        {
            Invoke(handler, rank, message);
        }
    }

    private void OnWake(object? sender, NetMQQueueEventArgs<int> e)
    {
        try
        {
            while (_wake.TryDequeue(out _, TimeSpan.Zero))
            {
            }

            Interlocked.Exchange(ref _wakeRequested, 0);
            var more = false;
            foreach (var peer in _peers)
            {
                more |= DrainPeer(peer, SendBudget);
            }

            if (more)
            {
                RequestWake();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A socket failing (terminating context) must not kill the poller thread, which would end the process.
            RecordFault(ex);
        }
    }

    private void OnDealerSendReady(Peer peer)
    {
        try
        {
            if (TrySendPending(peer) && DrainPeer(peer, SendBudget))
            {
                RequestWake();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RecordFault(ex);
        }
    }

    /// <summary>Sends up to <paramref name="budget"/> frames to <paramref name="peer"/>; true when messages remain queued and sendable.</summary>
    private bool DrainPeer(Peer peer, int budget)
    {
        for (var i = 0; i < budget; i++)
        {
            if (peer.PendingFrame is null && !BuildFrame(peer))
            {
                return false;
            }

            if (!TrySendPending(peer))
            {
                // Blocked at the high-water mark: SendReady resumes this peer.
                return false;
            }
        }

        return peer.Queue.Reader.Count > 0;
    }

    /// <summary>Moves queued messages (up to the batch size, at least one) into the peer's pending frame.</summary>
    private bool BuildFrame(Peer peer)
    {
        var reader = peer.Queue.Reader;
        var limit = _options.MaxBatchBytes;
        long body = 0;
        long payload = 0;
        _batch.Clear();
        while (reader.TryPeek(out var next))
        {
            var add = WireFormat.LengthPrefix + next.Length;
            if (_batch.Count > 0 && body + add > limit)
            {
                break;
            }

            reader.TryRead(out next);
            _batch.Add(next);
            body += add;
            payload += next.Length;
            if (body >= limit)
            {
                break;
            }
        }

        if (_batch.Count == 0)
        {
            return false;
        }

        var macLength = peer.Mac is null ? 0 : WireFormat.DataMacLength;
        var frame = new byte[WireFormat.DataHeaderLength + body + macLength];
        WireFormat.WriteDataHeader(frame, _batch.Count, ++peer.NextSequence);
        var offset = WireFormat.DataHeaderLength;
        foreach (var item in _batch)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(offset), (uint)item.Length);
            offset += WireFormat.LengthPrefix;
            item.Buffer.AsSpan(0, item.Length).CopyTo(frame.AsSpan(offset));
            offset += item.Length;
            item.Return();
        }

        if (peer.Mac is not null)
        {
            WireFormat.SealData(peer.Mac, frame);
        }

        peer.PendingFrame = frame;
        peer.PendingMessages = _batch.Count;
        peer.PendingBytes = payload;
        _batch.Clear();
        return true;
    }

    /// <summary>Hands the pending frame to the DEALER; false (and SendReady armed) when it is at its high-water mark.</summary>
    private bool TrySendPending(Peer peer)
    {
        var frame = peer.PendingFrame;
        if (frame is null)
        {
            return true;
        }

        var msg = default(Msg);
        msg.InitGC(frame, frame.Length);
        bool sent;
        try
        {
            sent = peer.Dealer.TrySend(ref msg, TimeSpan.Zero, more: false);
        }
        finally
        {
            msg.Close();
        }

        if (!sent)
        {
            if (!peer.SendReadyArmed)
            {
                peer.SendReadyArmed = true;
                peer.Dealer.SendReady += peer.OnSendReady;
            }

            return false;
        }

        if (peer.SendReadyArmed)
        {
            peer.SendReadyArmed = false;
            peer.Dealer.SendReady -= peer.OnSendReady;
        }

        var traffic = _traffic[peer.Rank];
        Interlocked.Add(ref traffic.MessagesSent, peer.PendingMessages);
        Interlocked.Add(ref traffic.BytesSent, peer.PendingBytes);
        Interlocked.Increment(ref _framesSent);
        peer.PendingFrame = null;
        return true;
    }

    /// <summary>On disposal: hands every queued message to the sockets, as far as their high-water marks allow.</summary>
    private void FlushQueued()
    {
        try
        {
            foreach (var peer in _peers)
            {
                while (DrainPeer(peer, SendBudget))
                {
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RecordFault(ex);
        }
    }

    private void OnDealerReceiveReady(Peer peer)
    {
        var msg = default(Msg);
        msg.InitEmpty();
        try
        {
            for (var i = 0; i < ReceiveBudget && peer.Dealer.TryReceive(ref msg, TimeSpan.Zero); i++)
            {
                if (msg.HasMore)
                {
                    Reject(peer, "a multipart frame");
                    DiscardRest(peer.Dealer, ref msg);
                    continue;
                }

                if (!Volatile.Read(ref peer.Welcomed) && WireFormat.IsWelcome(msg.Slice(), _secret, peer.Rank, Rank, peer.Nonce))
                {
                    Volatile.Write(ref peer.Welcomed, true);
                    if (++_welcomed == _peers.Length)
                    {
                        _allWelcomed.TrySetResult();
                    }
                }
                else
                {
                    Reject(peer, "not the expected WELCOME");
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RecordFault(ex);
        }
        finally
        {
            msg.Close();
        }
    }

    private void OnRouterReceiveReady(object? sender, NetMQSocketEventArgs e)
    {
        var identity = default(Msg);
        var frame = default(Msg);
        identity.InitEmpty();
        frame.InitEmpty();
        try
        {
            for (var i = 0; i < ReceiveBudget && _router.TryReceive(ref identity, TimeSpan.Zero); i++)
            {
                if (!identity.HasMore || !_router.TryReceive(ref frame, TimeSpan.Zero))
                {
                    Reject(identity.Slice(), "no frame after the identity");
                    continue;
                }

                if (frame.HasMore)
                {
                    Reject(identity.Slice(), "a multipart frame");
                    DiscardRest(_router, ref frame);
                    continue;
                }

                OnFrame(identity.Slice(), frame.Slice());
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RecordFault(ex);
        }
        finally
        {
            identity.Close();
            frame.Close();
        }
    }

    private static void DiscardRest(NetMQSocket socket, ref Msg msg)
    {
        while (msg.HasMore && socket.TryReceive(ref msg, TimeSpan.Zero))
        {
        }
    }

    private void OnFrame(ReadOnlySpan<byte> identity, ReadOnlySpan<byte> frame)
    {
        if (identity.Length != WireFormat.IdentityLength || frame.IsEmpty)
        {
            Reject(identity, "a malformed identity or an empty frame");
            return;
        }

        var key = Key128.From(identity);
        if (frame[0] == WireFormat.KindHello)
        {
            OnHello(key, identity, frame);
        }
        else if (frame[0] == WireFormat.KindData && _inbound.TryGetValue(key, out var connection))
        {
            OnData(identity, connection, frame);
        }
        else
        {
            Reject(identity, "data before an accepted HELLO");
        }
    }

    private void OnHello(Key128 key, ReadOnlySpan<byte> identity, ReadOnlySpan<byte> frame)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var skew = (long)_options.MaxClockSkew.TotalMilliseconds;
        if (!WireFormat.TryReadHello(frame, _secret, out var hello)
            || hello.To != Rank || (uint)hello.From >= (uint)Size || hello.From == Rank
            || hello.Secure != Secure
            || !identity.SequenceEqual(hello.Identity)
            || (Secure && !CryptographicOperations.FixedTimeEquals(hello.PublicKey, _publicKeys[hello.From]))
            || Math.Abs(now - hello.UnixMs) > skew)
        {
            Reject(identity, "a HELLO that does not authenticate");
            return;
        }

        ForgetOldNonces(now, skew);
        if (!_seenNonces.TryAdd(Key128.From(hello.Nonce), hello.UnixMs))
        {
            Reject(identity, "a replayed HELLO");
            return;
        }

        _monitor.Authenticated();

        IncrementalHash? mac = null;
        if (Secure)
        {
            var connectionKey = WireFormat.DeriveConnectionKey(_secret, hello.From, Rank, hello.Nonce, hello.Identity);
            mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, connectionKey);
            CryptographicOperations.ZeroMemory(connectionKey);
        }

        if (_inbound.Remove(key, out var previous))
        {
            previous.Dispose();
        }

        _inbound[key] = new Inbound(hello.From, mac);

        // A ROUTER drops, rather than blocks, what it cannot route: a vanished DEALER just misses its WELCOME.
        var welcome = WireFormat.WriteWelcome(Rank, hello.From, now, hello.Nonce, _secret);
        if (_router.TrySendFrame(hello.Identity, more: true))
        {
            _router.TrySendFrame(welcome);
        }
    }

    private void ForgetOldNonces(long now, long skew)
    {
        if (_seenNonces.Count < 1024)
        {
            return;
        }

        foreach (var (nonce, at) in _seenNonces)
        {
            if (now - at > 2 * skew)
            {
                _seenNonces.Remove(nonce);
            }
        }
    }

    private void OnData(ReadOnlySpan<byte> identity, Inbound connection, ReadOnlySpan<byte> frame)
    {
        var macLength = connection.Mac is null ? 0 : WireFormat.DataMacLength;
        if (frame.Length < WireFormat.DataHeaderLength + macLength || frame[1] != WireFormat.Version
            || (connection.Mac is not null && !WireFormat.DataMacMatches(connection.Mac, frame)))
        {
            Reject(identity, "a DATA frame whose MAC or header does not match");
            return;
        }

        var count = BinaryPrimitives.ReadUInt32LittleEndian(frame[4..]);
        var sequence = BinaryPrimitives.ReadUInt64LittleEndian(frame[8..]);
        var body = frame[WireFormat.DataHeaderLength..^macLength];
        if (sequence <= connection.LastSequence
            || !WireFormat.IsWellFormedBody(body, count, _options.MaxMessageBytes, out var payload))
        {
            Reject(identity, "a replayed or malformed DATA frame");
            return;
        }

        connection.LastSequence = sequence;
        var traffic = _traffic[connection.Rank];
        Interlocked.Add(ref traffic.MessagesReceived, count);
        Interlocked.Add(ref traffic.BytesReceived, payload);

        var handler = _handler;
        var offset = 0;
        for (uint i = 0; i < count; i++)
        {
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(body[offset..]);
            offset += WireFormat.LengthPrefix;
            var message = body.Slice(offset, length);
            offset += length;
            if (handler is not null)
            {
                Invoke(handler, connection.Rank, message);
            }
            else
            {
                _early?.Add((connection.Rank, message.ToArray()));
            }
        }
    }

    private void Invoke(PeerMessageHandler handler, int rank, ReadOnlySpan<byte> message)
    {
        try
        {
            handler(rank, message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            RecordFault(ex);
        }
    }

    /// <summary>Counts a frame that arrived on this rank's ROUTER and was dropped; logs the first one of each connection.</summary>
    private void Reject(ReadOnlySpan<byte> identity, string reason)
    {
        Interlocked.Increment(ref _framesRejected);
        if (_logger is not null)
        {
            // ZeroMQ does not tell NetMQ the sender's address: a connection is told apart by its identity.
            LogFirstRejection(identity.IsEmpty ? "a connection without identity" : "connection " + Convert.ToHexStringLower(identity[..Math.Min(identity.Length, 8)]), reason);
        }
    }

    /// <summary>Counts a frame that arrived on this rank's connection to <paramref name="peer"/> and was dropped.</summary>
    private void Reject(Peer peer, string reason)
    {
        Interlocked.Increment(ref _framesRejected);
        if (_logger is not null)
        {
            LogFirstRejection(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the connection to rank {peer.Rank}"), reason);
        }
    }

    /// <summary>Poller thread only. At most <see cref="MaxLoggedSources"/> sources are remembered; the total is logged at dispose.</summary>
    private void LogFirstRejection(string source, string reason)
    {
        if (_rejectSources.Count < MaxLoggedSources && _rejectSources.Add(source))
        {
            _logger!.FrameRejected(Rank, source, reason);
        }
    }

    /// <summary>A connection to this rank's ROUTER closed without authenticating (see <see cref="ConnectionMonitor"/>); logs the first only.</summary>
    private void OnHandshakeFailed(string? remote)
    {
        try
        {
            if (Interlocked.Increment(ref _handshakeFailures) == 1)
            {
                _logger?.FirstHandshakeFailure(Rank, remote ?? "an address already gone when the connection was seen");
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A logger that throws must not end the poller thread.
            RecordFault(ex);
        }
    }

    private void RecordFault(Exception ex)
    {
        if (Interlocked.CompareExchange(ref _firstError, ex, null) is null)
        {
            _logger?.FirstFault(Rank, ex);
        }
    }
}
