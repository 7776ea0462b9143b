using System.Buffers.Binary;
using Matrix.Mpi.Ranks;
using Matrix.Mpi.Transport;

namespace Matrix.Tests.Transport;

/// <summary>In-process ranks on loopback, and a thread-safe record of what each rank's handler received.</summary>
internal static class TransportTestKit
{
    public static TransportOptions Loopback(bool secure) => new()
    {
        Secure = secure,
        BindAddress = "127.0.0.1",
        AdvertiseHost = "127.0.0.1",
        ConnectTimeout = TimeSpan.FromSeconds(20),
    };

    public static async Task<NetMqPeerTransport[]> ConnectAsync(int ranks, TransportOptions options, CancellationToken ct) =>
        await ConnectAsync(ranks, _ => options, ct);

    public static async Task<NetMqPeerTransport[]> ConnectAsync(int ranks, Func<int, TransportOptions> options, CancellationToken ct)
    {
        var exchanges = LocalRankExchange.Create(ranks);
        return await Task.WhenAll(exchanges.Select(e => NetMqPeerTransport.ConnectAsync(e, options(e.Rank), ct)));
    }

    public static async Task DisposeAllAsync(IEnumerable<NetMqPeerTransport> transports)
    {
        foreach (var transport in transports)
        {
            await transport.DisposeAsync();
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; the test's own timeout bounds the wait.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        while (!condition())
        {
            await Task.Delay(5, ct);
        }
    }

    /// <summary>Polls <paramref name="condition"/> (which may ask the transport's poller thread) until it holds; the test's own timeout bounds the wait.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        while (!await condition())
        {
            await Task.Delay(5, ct);
        }
    }

    /// <summary>Deterministic bytes for message <paramref name="index"/> from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static byte[] Payload(int from, int to, int index, int size)
    {
        var bytes = new byte[size];
        new Random(HashCode.Combine(from, to, index, size)).NextBytes(bytes);
        if (size >= 4)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes, index);
        }

        return bytes;
    }
}

/// <summary>Collects every message a rank's handler receives, per sending rank, in arrival order.</summary>
internal sealed class Inbox
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, List<byte[]>> _bySender = [];

    public void Receive(int fromRank, ReadOnlySpan<byte> message)
    {
        var copy = message.ToArray();
        lock (_lock)
        {
            if (!_bySender.TryGetValue(fromRank, out var list))
            {
                _bySender[fromRank] = list = [];
            }

            list.Add(copy);
        }
    }

    public int Count(int fromRank)
    {
        lock (_lock)
        {
            return _bySender.TryGetValue(fromRank, out var list) ? list.Count : 0;
        }
    }

    public int Total
    {
        get
        {
            lock (_lock)
            {
                return _bySender.Values.Sum(l => l.Count);
            }
        }
    }

    public IReadOnlyList<int> Senders
    {
        get
        {
            lock (_lock)
            {
                return [.. _bySender.Keys.Order()];
            }
        }
    }

    public IReadOnlyList<byte[]> From(int fromRank)
    {
        lock (_lock)
        {
            return _bySender.TryGetValue(fromRank, out var list) ? [.. list] : [];
        }
    }
}
