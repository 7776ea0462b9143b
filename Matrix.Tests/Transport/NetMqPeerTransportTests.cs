using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Matrix.Mpi.Ranks;
using Matrix.Mpi.Transport;
using static Matrix.Tests.Transport.TransportTestKit;

namespace Matrix.Tests.Transport;

[TestClass]
public sealed class NetMqPeerTransportTests
{
    private static readonly int[] Sizes = [0, 1, 3, 100, 1024, 4096, 17_000, 65_536, 100_000];

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    [DataRow(true)]
    [DataRow(false)]
    public async Task Every_rank_gets_every_message_once_intact_and_in_order(bool secure)
    {
        const int ranks = 3;
        const int perPeer = 300;
        var transports = await ConnectAsync(ranks, Loopback(secure), Ct);
        try
        {
            var inboxes = transports.Select(_ => new Inbox()).ToArray();
            foreach (var t in transports)
            {
                Assert.AreEqual(secure, t.Secure);
                Assert.AreEqual(ranks, t.Size);
                Assert.StartsWith("tcp://127.0.0.1:", t.LocalEndpoint);
                Assert.AreEqual(t.LocalEndpoint, t.PeerEndpoints[t.Rank]);
                t.Start(inboxes[t.Rank].Receive);
            }

            var senders = new List<Task>();
            foreach (var t in transports)
            {
                for (var to = 0; to < ranks; to++)
                {
                    if (to == t.Rank)
                    {
                        continue;
                    }

                    var target = to;
                    senders.Add(Task.Run(async () =>
                    {
                        for (var i = 0; i < perPeer; i++)
                        {
                            await t.SendAsync(target, Payload(t.Rank, target, i, Sizes[i % Sizes.Length]), Ct);
                        }
                    }, Ct));
                }
            }

            await Task.WhenAll(senders);
            await WaitUntilAsync(() => inboxes.All(b => b.Total == perPeer * (ranks - 1)), Ct);

            var expectedBytes = Enumerable.Range(0, perPeer).Sum(i => (long)Sizes[i % Sizes.Length]);
            foreach (var me in transports)
            {
                CollectionAssert.AreEqual(Enumerable.Range(0, ranks).Where(r => r != me.Rank).ToList(), inboxes[me.Rank].Senders.ToList());
                foreach (var from in transports.Where(t => t != me))
                {
                    var got = inboxes[me.Rank].From(from.Rank);
                    Assert.HasCount(perPeer, got);
                    for (var i = 0; i < perPeer; i++)
                    {
                        CollectionAssert.AreEqual(Payload(from.Rank, me.Rank, i, Sizes[i % Sizes.Length]), got[i], $"message {i} from rank {from.Rank} to rank {me.Rank}");
                    }
                }

                var stats = me.GetStatistics();
                Assert.AreEqual(secure, stats.Secure);
                Assert.AreEqual(0, stats.FramesRejected);
                Assert.IsGreaterThan(0, stats.Frames);
                Assert.IsLessThanOrEqualTo(perPeer * (ranks - 1), stats.Frames);
                CollectionAssert.AreEqual(Enumerable.Range(0, ranks).Where(r => r != me.Rank).ToList(), stats.Peers.Select(p => p.Rank).ToList());
                foreach (var peer in stats.Peers)
                {
                    Assert.AreEqual(perPeer, peer.MessagesSent);
                    Assert.AreEqual(expectedBytes, peer.BytesSent);
                    Assert.AreEqual(perPeer, peer.MessagesReceived);
                    Assert.AreEqual(expectedBytes, peer.BytesReceived);
                }

                Assert.IsNull(me.FirstError);
            }
        }
        finally
        {
            await DisposeAllAsync(transports);
        }
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Messages_that_arrive_before_Start_are_delivered_first()
    {
        var transports = await ConnectAsync(2, Loopback(secure: true), Ct);
        try
        {
            var inbox = new Inbox();
            transports[0].Start((_, _) => { });
            for (var i = 0; i < 50; i++)
            {
                await transports[0].SendAsync(1, Payload(0, 1, i, 64), Ct);
            }

            await WaitUntilAsync(() => transports[1].GetStatistics().Peers[0].MessagesReceived == 50, Ct);
            transports[1].Start(inbox.Receive);
            for (var i = 50; i < 100; i++)
            {
                await transports[0].SendAsync(1, Payload(0, 1, i, 64), Ct);
            }

            await WaitUntilAsync(() => inbox.Total == 100, Ct);
            var got = inbox.From(0);
            for (var i = 0; i < 100; i++)
            {
                CollectionAssert.AreEqual(Payload(0, 1, i, 64), got[i]);
            }

            Assert.Throws<InvalidOperationException>(() => transports[1].Start(inbox.Receive));
        }
        finally
        {
            await DisposeAllAsync(transports);
        }
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Ranks_that_leave_are_not_handshake_failures()
    {
        const int ranks = 3;
        var transports = await ConnectAsync(ranks, Loopback(secure: true), Ct);
        try
        {
            var inboxes = transports.Select(_ => new Inbox()).ToArray();
            foreach (var t in transports)
            {
                t.Start(inboxes[t.Rank].Receive);
            }

            foreach (var t in transports)
            {
                Assert.AreEqual(ranks - 1, await t.OpenConnectionsAsync(), $"rank {t.Rank} saw every peer connect");
                Assert.AreEqual(ranks - 1, await t.AuthenticatedConnectionsAsync());
            }

            // Rank 0 leaves: the others see its connection close, after it authenticated.
            await transports[0].DisposeAsync();
            foreach (var t in transports.Skip(1))
            {
                await WaitUntilAsync(async () => await t.OpenConnectionsAsync() == ranks - 2, Ct);
                Assert.AreEqual(0, t.GetStatistics().HandshakeFailures, $"rank {t.Rank} counted rank 0's leaving as a handshake failure");
            }

            await transports[1].SendAsync(2, Payload(1, 2, 0, 64), Ct);
            await WaitUntilAsync(() => inboxes[2].Total == 1, Ct);
        }
        finally
        {
            await DisposeAllAsync(transports);
        }
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Sending_to_itself_or_outside_the_job_is_refused()
    {
        var transports = await ConnectAsync(2, Loopback(secure: false), Ct);
        try
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => transports[0].SendAsync(0, new byte[1], Ct));
            Assert.Throws<ArgumentOutOfRangeException>(() => transports[0].SendAsync(2, new byte[1], Ct));
            Assert.Throws<ArgumentOutOfRangeException>(() => transports[0].SendAsync(-1, new byte[1], Ct));
        }
        finally
        {
            await DisposeAllAsync(transports);
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await transports[0].SendAsync(1, new byte[1], Ct));
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task A_full_send_queue_makes_SendAsync_wait_until_the_receiver_drains()
    {
        const int size = 32 * 1024;
        var options = Loopback(secure: true) with { SendQueueCapacity = 8, HighWatermark = 2, MaxBatchBytes = 64 * 1024 };
        var transports = await ConnectAsync(2, options, Ct);
        try
        {
            var inbox = new Inbox();
            transports[0].Start((_, _) => { });
            transports[1].Start(inbox.Receive);
            await transports[1].SetReceivingPausedAsync(true);

            // The queue, ZeroMQ's pipes and the kernel's buffers absorb a bounded number of messages; after that
            // SendAsync must wait, with the queue full and the socket at its high-water mark. (It also waits briefly
            // whenever the poller lags the loop, or the socket drains into the kernel: those waits end.)
            var sent = 0;
            Task? pending = null;
            for (; sent < 5_000; sent++)
            {
                var send = transports[0].SendAsync(1, Payload(0, 1, sent, size), Ct);
                if (!send.IsCompleted)
                {
                    var task = send.AsTask();
                    await WaitUntilAsync(async () => task.IsCompleted || await transports[0].SendBlockedAsync(1), Ct);
                    if (!task.IsCompleted)
                    {
                        pending = task;
                        break;
                    }

                    await task;
                }
            }

            Assert.IsNotNull(pending, "SendAsync never waited on a full way to the peer: the send path is not bounded");
            TestContext.WriteLine($"SendAsync waited after {sent} messages of {size} bytes");
            Assert.AreEqual(0, inbox.Total);

            await transports[1].SetReceivingPausedAsync(false);
            await pending;
            for (var i = sent + 1; i < sent + 101; i++)
            {
                await transports[0].SendAsync(1, Payload(0, 1, i, size), Ct);
            }

            var total = sent + 101;
            await WaitUntilAsync(() => inbox.Total == total, Ct);
            var got = inbox.From(0);
            for (var i = 0; i < total; i++)
            {
                Assert.AreEqual(i, BinaryPrimitives.ReadInt32LittleEndian(got[i]));
                CollectionAssert.AreEqual(Payload(0, 1, i, size), got[i]);
            }

            Assert.AreEqual(0, transports[1].GetStatistics().FramesRejected);
        }
        finally
        {
            await DisposeAllAsync(transports);
        }
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task An_unreachable_peer_fails_the_connect_naming_its_rank_and_endpoint()
    {
        string closed;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closed = $"tcp://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
            listener.Stop();
        }

        var options = Loopback(secure: true) with { ConnectTimeout = TimeSpan.FromSeconds(2) };
        var exchanges = LocalRankExchange.Create(2);
        var rank0 = NetMqPeerTransport.ConnectAsync(exchanges[0], options with { PeerEndpointOverride = (_, _) => closed }, Ct);
        var rank1 = NetMqPeerTransport.ConnectAsync(exchanges[1], options, Ct);

        var error = await Assert.ThrowsExactlyAsync<PeerUnreachableException>(() => rank0);
        Assert.Contains($"rank 1 at {closed}", error.Message);
        Assert.Contains("within 2 s", error.Message);
        CollectionAssert.AreEqual(new[] { 1 }, error.Ranks.ToArray());
        CollectionAssert.AreEqual(new[] { closed }, error.Endpoints.ToArray());

        // Rank 1 reached rank 0, but rank 0 never comes to the final barrier: rank 1 must fail too, not hang.
        var other = await Assert.ThrowsAsync<Exception>(() => rank1);
        Assert.IsTrue(other is TimeoutException or PeerUnreachableException, other.ToString());
    }
}
