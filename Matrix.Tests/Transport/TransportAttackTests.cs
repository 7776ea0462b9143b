using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using System.Net.Sockets;
using System.Security.Cryptography;
using Matrix.Engine.Metrics;
using Matrix.Engine.Runtime;
using Matrix.Engine.Scenarios;
using Matrix.Mpi.Transport;
using Matrix.Tests.Support;
using NetMQ;
using NetMQ.Sockets;
using static Matrix.Tests.Transport.TransportTestKit;

namespace Matrix.Tests.Transport;

/// <summary>
/// Hostile clients against a secure rank's ROUTER: whatever reaches the transport must be dropped unparsed and
/// counted, nothing may reach the handler, and the job's own traffic must go on. Each test waits for the counter
/// the attack must move (frames rejected, or connections that closed without completing the handshake), never for
/// a fixed time.
/// </summary>
[TestClass]
public sealed class TransportAttackTests
{
    private const int PerRound = 40;

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task A_plain_dealer_without_Curve_fails_the_handshake_and_delivers_nothing()
    {
        await using var job = await Job.StartAsync(Ct);
        await job.RoundTripAsync(Ct);
        var before = job.Target.GetStatistics();
        Assert.AreEqual(0, before.HandshakeFailures, "the job's own connections never count");

        using (var attacker = new DealerSocket())
        {
            attacker.Options.Linger = TimeSpan.Zero;
            attacker.Options.Identity = WireFormat.NewIdentity();
            attacker.Connect(job.Target.LocalEndpoint);
            attacker.TrySendFrame(ForgedHello(attacker.Options.Identity!, RandomNumberGenerator.GetBytes(32), job.Target.PublicKeyOf(0).ToArray()));
            attacker.TrySendFrame(ForgedData(1, "plain"u8));

            // NetMQ drops the connection at the mechanism mismatch (NULL against CURVE) and the DEALER reconnects:
            // two failed attempts, and its queued frames went out over neither.
            await WaitUntilAsync(() => job.Target.GetStatistics().HandshakeFailures >= 2, Ct);
        }

        await job.RoundTripAsync(Ct);
        job.AssertOnlyJobTraffic();
        Assert.AreEqual(before.FramesRejected, job.Target.GetStatistics().FramesRejected, "a frame of the plain DEALER reached the ROUTER");
        Assert.AreEqual(1, await job.Target.AuthenticatedConnectionsAsync(), "only rank 0's connection authenticated");
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task A_Curve_dealer_with_the_wrong_job_secret_is_rejected_and_counted()
    {
        await using var job = await Job.StartAsync(Ct);
        await job.RoundTripAsync(Ct);
        var before = job.Target.GetStatistics().FramesRejected;

        using (var attacker = new DealerSocket())
        {
            var identity = WireFormat.NewIdentity();
            attacker.Options.Linger = TimeSpan.Zero;
            attacker.Options.Identity = identity;
            attacker.Options.CurveServerKey = job.Target.PublicKeyOf(1).ToArray();
            attacker.Options.CurveCertificate = new NetMQCertificate();
            attacker.Connect(job.Target.LocalEndpoint);
            var wrongSecret = RandomNumberGenerator.GetBytes(32);
            attacker.SendFrame(ForgedHello(identity, wrongSecret, job.Target.PublicKeyOf(0).ToArray()));
            attacker.SendFrame(ForgedData(1, "curve"u8, WireFormat.DeriveConnectionKey(wrongSecret, 0, 1, new byte[16], identity)));
            await WaitUntilAsync(() => job.Target.GetStatistics().FramesRejected >= before + 2, Ct);

            // The rank answers a HELLO with a WELCOME exactly when it adds the connection to those it accepts.
            Assert.AreEqual(1, await job.Target.AuthenticatedConnectionsAsync(), "the rank accepted a HELLO made with the wrong secret");
        }

        // Curve let the attacker in, the job's HELLO did not: its connection closes unauthenticated.
        await WaitUntilAsync(() => job.Target.GetStatistics().HandshakeFailures >= 1, Ct);
        await job.RoundTripAsync(Ct);
        job.AssertOnlyJobTraffic();
        Assert.AreEqual(before + 2, job.Target.GetStatistics().FramesRejected);
        Assert.AreEqual(1, job.Target.GetStatistics().HandshakeFailures);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Rejected_frames_from_one_outsider_are_logged_once_then_counted_at_dispose()
    {
        var log = new ListLogger();
        var job = await Job.StartAsync(Ct, log);
        await using (job)
        {
            await job.RoundTripAsync(Ct);
            var before = job.Target.GetStatistics().FramesRejected;
            using var attacker = new DealerSocket();
            var identity = WireFormat.NewIdentity();
            attacker.Options.Linger = TimeSpan.Zero;
            attacker.Options.Identity = identity;
            attacker.Options.CurveServerKey = job.Target.PublicKeyOf(1).ToArray();
            attacker.Options.CurveCertificate = new NetMQCertificate();
            attacker.Connect(job.Target.LocalEndpoint);
            var wrongSecret = RandomNumberGenerator.GetBytes(32);
            for (var i = 0; i < 10; i++)
            {
                attacker.SendFrame(ForgedHello(identity, wrongSecret, job.Target.PublicKeyOf(0).ToArray()));
            }

            await WaitUntilAsync(() => job.Target.GetStatistics().FramesRejected >= before + 10, Ct);
            Assert.HasCount(1, log.Lines.Where(l => l.Contains("rejected a frame from connection", StringComparison.Ordinal)).ToList(), string.Join('\n', log.Lines));
            Assert.IsFalse(log.Lines.Any(l => l.Contains("in all", StringComparison.Ordinal)), "the total is logged at dispose only");
        }

        var total = log.Lines.Where(l => l.Contains("frames in all (frames_rejected)", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, total, string.Join('\n', log.Lines));
        Assert.Contains("rank 1 rejected 10 frames", total[0]);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task A_raw_ZMTP_1_0_peer_gets_past_Curve_but_its_frames_are_rejected_and_counted()
    {
        await using var job = await Job.StartAsync(Ct);
        await job.RoundTripAsync(Ct);
        var before = job.Target.GetStatistics().FramesRejected;

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(Host(job.Target.LocalEndpoint), Port(job.Target.LocalEndpoint), Ct);
            var stream = tcp.GetStream();

            // ZMTP/1.0 has no greeting and no security handshake: the first frame is the peer's identity.
            // Short frames are [length = 1 + body][flags][body]; long ones 0xFF, a u64 big-endian length, flags, body.
            var identity = WireFormat.NewIdentity();
            await stream.WriteAsync(V1Frame(identity), Ct);
            await stream.WriteAsync(V1Frame(ForgedHello(identity, RandomNumberGenerator.GetBytes(32), job.Target.PublicKeyOf(0).ToArray())), Ct);
            await stream.WriteAsync(V1Frame(ForgedData(1, "zmtp/1.0"u8)), Ct);
            await stream.FlushAsync(Ct);
            await WaitUntilAsync(() => job.Target.GetStatistics().FramesRejected >= before + 2, Ct);
        }

        // No handshake to fail, but the connection never authenticated either: it counts when it closes.
        await WaitUntilAsync(() => job.Target.GetStatistics().HandshakeFailures >= 1, Ct);
        await job.RoundTripAsync(Ct);
        job.AssertOnlyJobTraffic();
        Assert.AreEqual(before + 2, job.Target.GetStatistics().FramesRejected);
        Assert.AreEqual(1, job.Target.GetStatistics().HandshakeFailures);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Garbage_over_raw_TCP_delivers_nothing()
    {
        const int attempts = 8;
        await using var job = await Job.StartAsync(Ct);
        await job.RoundTripAsync(Ct);

        var random = new Random(1234);
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(Host(job.Target.LocalEndpoint), Port(job.Target.LocalEndpoint), Ct);
            var garbage = new byte[1 + random.Next(16 * 1024)];
            random.NextBytes(garbage);
            try
            {
                await tcp.GetStream().WriteAsync(garbage, Ct);
            }
            catch (IOException)
            {
                // The rank hung up on us: fine.
            }
        }

        // Each connection ends unauthenticated: NetMQ drops it at a bad greeting, or reads the bytes as ZMTP/1.0
        // frames (refused by the transport, if any) until the attacker hangs up.
        await WaitUntilAsync(() => job.Target.GetStatistics().HandshakeFailures >= attempts, Ct);
        await job.RoundTripAsync(Ct);
        job.AssertOnlyJobTraffic();
        Assert.AreEqual(attempts, job.Target.GetStatistics().HandshakeFailures);
        TestContext.WriteLine($"frames rejected from the garbage: {job.Target.GetStatistics().FramesRejected}");
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Probes_that_fail_the_handshake_are_counted_exported_and_the_first_is_logged_once_with_its_address()
    {
        var log = new ListLogger();
        var job = await Job.StartAsync(Ct, log);
        using var metrics = new EngineMetrics(job.Target.Rank, new IdleScheduler(), transport: job.Target);
        string probe;
        await using (job)
        {
            await job.RoundTripAsync(Ct);
            Assert.AreEqual(0, job.Target.GetStatistics().HandshakeFailures);
            Assert.AreEqual(0, HandshakeFailuresMetric(metrics));
            Assert.AreEqual(1, await job.Target.OpenConnectionsAsync(), "rank 0's connection");

            // A raw TCP probe that says nothing: it stays until the rank has seen it (so that its address is known), then leaves.
            using (var tcp = new TcpClient())
            {
                await tcp.ConnectAsync(Host(job.Target.LocalEndpoint), Port(job.Target.LocalEndpoint), Ct);
                probe = $"127.0.0.1:{((System.Net.IPEndPoint)tcp.Client.LocalEndPoint!).Port}";
                await WaitUntilAsync(async () => await job.Target.OpenConnectionsAsync() == 2, Ct);
            }

            await WaitUntilAsync(() => job.Target.GetStatistics().HandshakeFailures == 1, Ct);

            // Then a plain DEALER, which fails again at each reconnection.
            using (var plain = new DealerSocket())
            {
                plain.Options.Linger = TimeSpan.Zero;
                plain.Connect(job.Target.LocalEndpoint);
                await WaitUntilAsync(() => job.Target.GetStatistics().HandshakeFailures >= 3, Ct);
            }

            // The DEALER's last reconnection may still be closing: the metric lies between two reads of the statistic.
            var failures = job.Target.GetStatistics().HandshakeFailures;
            var exported = HandshakeFailuresMetric(metrics);
            Assert.IsGreaterThanOrEqualTo(failures, exported);
            Assert.IsLessThanOrEqualTo(job.Target.GetStatistics().HandshakeFailures, exported);
            Assert.AreEqual(0, job.Target.GetStatistics().FramesRejected, "no probe got a frame through");
            var first = log.Lines.Where(l => l.Contains("closed without completing the handshake", StringComparison.Ordinal)).ToList();
            Assert.HasCount(1, first, string.Join('\n', log.Lines));
            Assert.Contains($"rank 1: a connection from {probe} closed", first[0]);
            Assert.IsFalse(log.Lines.Any(l => l.Contains("in all (handshake_failures)", StringComparison.Ordinal)), "the total is logged at dispose only");
            await job.RoundTripAsync(Ct);
            job.AssertOnlyJobTraffic();
        }

        var total = log.Lines.Where(l => l.Contains("in all (handshake_failures)", StringComparison.Ordinal)).ToList();
        Assert.HasCount(1, total, string.Join('\n', log.Lines));
        Assert.Contains($"rank 1: {job.Target.GetStatistics().HandshakeFailures} connections closed", total[0]);
    }

    private static string Host(string endpoint) => new Uri(endpoint).Host;

    /// <summary>What a scrape would read of <c>matrix_transport_handshake_failures_total</c>.</summary>
    private static long HandshakeFailuresMetric(EngineMetrics metrics)
    {
        long? value = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == metrics.Meter && instrument.Name == "matrix.transport.handshake_failures")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, _, _) => value = measurement);
        listener.Start();
        listener.RecordObservableInstruments();
        return value ?? throw new AssertFailedException("no matrix.transport.handshake_failures instrument");
    }

    private static int Port(string endpoint) => new Uri(endpoint).Port;

    private static byte[] ForgedHello(byte[] identity, byte[] secret, byte[] claimedKey) =>
        WireFormat.WriteHello(0, 1, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RandomNumberGenerator.GetBytes(16), identity, claimedKey, secure: true, secret);

    /// <summary>A DATA frame carrying one message, sealed with <paramref name="key"/> (or a random MAC).</summary>
    private static byte[] ForgedData(ulong sequence, ReadOnlySpan<byte> message, byte[]? key = null)
    {
        var frame = new byte[WireFormat.DataHeaderLength + WireFormat.LengthPrefix + message.Length + WireFormat.DataMacLength];
        WireFormat.WriteDataHeader(frame, 1, sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(WireFormat.DataHeaderLength), (uint)message.Length);
        message.CopyTo(frame.AsSpan(WireFormat.DataHeaderLength + WireFormat.LengthPrefix));
        if (key is null)
        {
            RandomNumberGenerator.Fill(frame.AsSpan(frame.Length - WireFormat.DataMacLength));
        }
        else
        {
            using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
            WireFormat.SealData(mac, frame);
        }

        return frame;
    }

    private static byte[] V1Frame(ReadOnlySpan<byte> body)
    {
        if (body.Length + 1 < 255)
        {
            return [(byte)(body.Length + 1), 0, .. body];
        }

        var frame = new byte[1 + 8 + 1 + body.Length];
        frame[0] = 0xFF;
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(1), (ulong)body.Length + 1);
        body.CopyTo(frame.AsSpan(10));
        return frame;
    }

    /// <summary>An engine that never runs: <see cref="EngineMetrics"/> needs one, the transport's series do not read it.</summary>
    private sealed class IdleScheduler : ITaskScheduler
    {
        public EngineCounters Counters { get; } = new();

        public long DecodeErrors => 0;

        public (long OffloadedBytes, long LocalFetches, long RemoteFetches) ContentCounters => default;

        public CounterSnapshot JobSnapshot() => default;

        public Task<RunSummary> RunAsync(IAsyncEnumerable<InputRow> input, Func<CancellationToken, Task>? waitForPeers = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }

    /// <summary>Two secure ranks exchanging numbered messages; rank 1 is the one attacked.</summary>
    private sealed class Job : IAsyncDisposable
    {
        private readonly NetMqPeerTransport[] _ranks;
        private readonly Inbox[] _inboxes = [new(), new()];
        private int _rounds;

        private Job(NetMqPeerTransport[] ranks) => _ranks = ranks;

        public NetMqPeerTransport Target => _ranks[1];

        public static async Task<Job> StartAsync(CancellationToken ct, ListLogger? targetLog = null)
        {
            var job = new Job(await ConnectAsync(2, r => Loopback(secure: true) with { Logger = r == 1 ? targetLog : null }, ct));
            foreach (var rank in job._ranks)
            {
                rank.Start(job._inboxes[rank.Rank].Receive);
            }

            return job;
        }

        public async Task RoundTripAsync(CancellationToken ct)
        {
            var first = _rounds * PerRound;
            _rounds++;
            for (var i = first; i < first + PerRound; i++)
            {
                await _ranks[0].SendAsync(1, Payload(0, 1, i, 100 + i), ct);
                await _ranks[1].SendAsync(0, Payload(1, 0, i, 100 + i), ct);
            }

            var expected = _rounds * PerRound;
            await WaitUntilAsync(() => _inboxes[0].Total == expected && _inboxes[1].Total == expected, ct);
        }

        /// <summary>Each handler saw exactly the job's messages, in order, from the one legitimate peer.</summary>
        public void AssertOnlyJobTraffic()
        {
            foreach (var rank in _ranks)
            {
                var peer = 1 - rank.Rank;
                var inbox = _inboxes[rank.Rank];
                CollectionAssert.AreEqual(new[] { peer }, inbox.Senders.ToArray());
                var got = inbox.From(peer);
                Assert.HasCount(_rounds * PerRound, got);
                for (var i = 0; i < got.Count; i++)
                {
                    CollectionAssert.AreEqual(Payload(peer, rank.Rank, i, 100 + i), got[i]);
                }

                Assert.IsNull(rank.FirstError);
                var traffic = rank.GetStatistics().Peers.Single();
                Assert.AreEqual(_rounds * PerRound, traffic.MessagesReceived);
                Assert.AreEqual(_rounds * PerRound, traffic.MessagesSent);
            }
        }

        public async ValueTask DisposeAsync() => await DisposeAllAsync(_ranks);
    }
}
