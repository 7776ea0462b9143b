using System.Threading.Channels;
using Matrix.Engine.Transport;

namespace Matrix.Tests.Support;

/// <summary>
/// Ranks of one process joined by in-memory queues: each rank's messages are delivered on that rank's
/// own delivery task, like a transport's poller thread. For engine tests of routing and termination
/// without sockets (the NetMQ transport has its own tests).
/// </summary>
internal sealed class InMemoryTransport : IPeerTransport
{
    private readonly InMemoryTransport[] _all;
    private readonly Channel<(int From, byte[] Message)> _inbox = Channel.CreateUnbounded<(int, byte[])>(new UnboundedChannelOptions { SingleReader = true });
    private long _sent;
    private Task _delivery = Task.CompletedTask;

    private InMemoryTransport(InMemoryTransport[] all, int rank)
    {
        _all = all;
        Rank = rank;
    }

    public int Rank { get; }

    public int Size => _all.Length;

    public bool Secure => false;

    public long Sent => Interlocked.Read(ref _sent);

    public static IReadOnlyList<InMemoryTransport> Create(int size)
    {
        var all = new InMemoryTransport[size];
        for (var r = 0; r < size; r++)
        {
            all[r] = new InMemoryTransport(all, r);
        }

        return all;
    }

    public void Start(PeerMessageHandler onMessage) => _delivery = Task.Run(async () =>
    {
        await foreach (var (from, message) in _inbox.Reader.ReadAllAsync())
        {
            onMessage(from, message);
        }
    });

    public ValueTask SendAsync(int rank, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        Assert.AreNotEqual(Rank, rank, "a rank never sends to itself through the transport");
        Interlocked.Increment(ref _sent);
        return _all[rank]._inbox.Writer.WriteAsync((Rank, message.ToArray()), cancellationToken);
    }

    public TransportStatistics GetStatistics() => new(false, [], 0, Sent, 0);

    public async ValueTask DisposeAsync()
    {
        _inbox.Writer.TryComplete();
        await _delivery;
    }
}
