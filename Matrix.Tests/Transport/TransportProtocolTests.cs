using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Matrix.Mpi.Ranks;
using Matrix.Mpi.Transport;
using NetMQ;
using NetMQ.Sockets;
using static Matrix.Tests.Transport.TransportTestKit;

namespace Matrix.Tests.Transport;

/// <summary>
/// A real rank 0 against a hand-driven rank 1 that knows the job secret (it took part in the exchange), so the
/// checks after authentication can be probed frame by frame: replayed sequence numbers, altered bytes, malformed
/// bodies, replayed or stale HELLOs.
/// </summary>
[TestClass]
public sealed class TransportProtocolTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Only_fresh_correctly_sealed_well_formed_frames_from_an_authenticated_connection_are_delivered()
    {
        var exchanges = LocalRankExchange.Create(2);
        var connecting = NetMqPeerTransport.ConnectAsync(exchanges[0], Loopback(secure: true), Ct);

        var certificate = new NetMQCertificate();
        using var router = new RouterSocket();
        router.Options.Linger = TimeSpan.Zero;
        router.Options.CurveServer = true;
        router.Options.CurveCertificate = certificate;
        var port = router.BindRandomPort("tcp://127.0.0.1");
        var cards = await exchanges[1].AllgatherAsync(new PeerCard(true, $"tcp://127.0.0.1:{port}", certificate.PublicKey, []).Encode(), Ct);
        var rank0 = PeerCard.Decode(0, cards[0]);
        var secret = rank0.Secret;

        // Answer rank 0's HELLO, as a real rank would.
        List<byte[]> hello = [];
        Assert.IsTrue(router.TryReceiveMultipartBytes(Patience, ref hello, 2));
        Assert.HasCount(2, hello);
        Assert.IsTrue(WireFormat.TryReadHello(hello[1], secret, out var theirs));
        Assert.AreEqual(0, theirs.From);
        Assert.AreEqual(1, theirs.To);
        CollectionAssert.AreEqual(hello[0], theirs.Identity);
        CollectionAssert.AreEqual(rank0.PublicKey, theirs.PublicKey);
        router.SendMoreFrame(hello[0]).SendFrame(WireFormat.WriteWelcome(1, 0, Now(), theirs.Nonce, secret));

        // Authenticate our own connection to rank 0.
        using var dealer = new DealerSocket();
        var identity = WireFormat.NewIdentity();
        var nonce = RandomNumberGenerator.GetBytes(16);
        dealer.Options.Linger = TimeSpan.Zero;
        dealer.Options.Identity = identity;
        dealer.Options.CurveServerKey = rank0.PublicKey;
        dealer.Options.CurveCertificate = certificate;
        dealer.Connect(rank0.Endpoint);
        var ourHello = WireFormat.WriteHello(1, 0, Now(), nonce, identity, certificate.PublicKey, secure: true, secret);
        dealer.SendFrame(ourHello);
        Assert.IsTrue(dealer.TryReceiveFrameBytes(Patience, out var welcome));
        Assert.IsTrue(WireFormat.IsWelcome(welcome, secret, 0, 1, nonce));

        await exchanges[1].BarrierAsync(Ct);
        await using var transport = await connecting;
        var inbox = new Inbox();
        transport.Start(inbox.Receive);

        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, WireFormat.DeriveConnectionKey(secret, 1, 0, nonce, identity));
        dealer.SendFrame(Data(mac, 1, "a"));
        dealer.SendFrame(Data(mac, 1, "replayed sequence"));
        var altered = Data(mac, 2, "altered");
        altered[WireFormat.DataHeaderLength + 5] ^= 1;
        dealer.SendFrame(altered);
        var wrongCount = Data(mac, 3, "count says two");
        BinaryPrimitives.WriteUInt32LittleEndian(wrongCount.AsSpan(4), 2);
        using (var reseal = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, WireFormat.DeriveConnectionKey(secret, 1, 0, nonce, identity)))
        {
            WireFormat.SealData(reseal, wrongCount);
        }

        dealer.SendFrame(wrongCount);
        dealer.SendFrame(Data(mac, 4, "b", "c"));
        dealer.SendFrame(ourHello);
        dealer.SendFrame(WireFormat.WriteHello(1, 0, Now() - (long)TimeSpan.FromMinutes(10).TotalMilliseconds, RandomNumberGenerator.GetBytes(16), identity, certificate.PublicKey, secure: true, secret));
        dealer.SendFrame(new byte[3]);
        dealer.SendFrame(Data(mac, 9, "end"));

        await WaitUntilAsync(() => inbox.Total == 4, Ct);
        CollectionAssert.AreEqual(new[] { "a", "b", "c", "end" }, inbox.From(1).Select(m => Encoding.UTF8.GetString(m)).ToArray());
        var stats = transport.GetStatistics();
        Assert.AreEqual(6, stats.FramesRejected);
        Assert.AreEqual(4, stats.Peers.Single().MessagesReceived);

        // And rank 0's own frames to us: sealed under the key of the connection it authenticated.
        await transport.SendAsync(1, "hello from 0"u8.ToArray(), Ct);
        List<byte[]> data = [];
        Assert.IsTrue(router.TryReceiveMultipartBytes(Patience, ref data, 2));
        CollectionAssert.AreEqual(hello[0], data[0]);
        using var theirMac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, WireFormat.DeriveConnectionKey(secret, 0, 1, theirs.Nonce, theirs.Identity));
        Assert.IsTrue(WireFormat.DataMacMatches(theirMac, data[1]));
        Assert.AreEqual(1UL, BinaryPrimitives.ReadUInt64LittleEndian(data[1].AsSpan(8)));
        Assert.AreEqual("hello from 0", Encoding.UTF8.GetString(data[1].AsSpan(WireFormat.DataHeaderLength + 4, 12)));
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static byte[] Data(IncrementalHash mac, ulong sequence, params string[] messages)
    {
        var bodies = messages.Select(Encoding.UTF8.GetBytes).ToList();
        var frame = new byte[WireFormat.DataHeaderLength + bodies.Sum(b => 4 + b.Length) + WireFormat.DataMacLength];
        WireFormat.WriteDataHeader(frame, bodies.Count, sequence);
        var offset = WireFormat.DataHeaderLength;
        foreach (var body in bodies)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(offset), (uint)body.Length);
            body.CopyTo(frame, offset + 4);
            offset += 4 + body.Length;
        }

        WireFormat.SealData(mac, frame);
        return frame;
    }
}
