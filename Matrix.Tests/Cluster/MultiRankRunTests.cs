using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Matrix.Store.Arrow.Read;
using Matrix.Tests.Support;

namespace Matrix.Tests.Cluster;

/// <summary>The matrix executable as several MPI ranks (mpiexec, srun on the local Slurm), against one rank.</summary>
[TestClass]
[TestCategory("cluster")]
public sealed partial class MultiRankRunTests
{
    private static readonly string[] Coral3000 = ["run", "coral", "--tasks", "3000", "--seed", "21"];

    private static JsonElement Manifest(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))).RootElement;

    private static async Task<List<string>> OneRankAsync(TempDir dir, params string[] extra)
    {
        var run = await HostRun.MatrixAsync([.. Coral3000, "--out", dir["one"], "--set", "sim.zero_latency=true", .. extra]);
        Assert.AreEqual(0, run.ExitCode, run.Error);
        return OutputRecords.Of(dir["one"]);
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Mpiexec_3_ranks_write_exactly_the_records_of_one_rank()
    {
        using var dir = new TempDir();
        var one = await OneRankAsync(dir);

        var run = await Launch.MpiExecAsync(3, [.. Coral3000, "--out", dir["three"], .. Launch.LoopbackSettings, "sim.zero_latency=true"]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        Assert.HasCount(3, PartReader.ListParts(dir["three"]).Select(p => Path.GetFileName(p)[..10]).Distinct().ToList(), "one part file series per rank");
        CollectionAssert.AreEqual(one, OutputRecords.Of(dir["three"]));
        var manifest = Manifest(dir["three"]);
        Assert.AreEqual(3, manifest.GetProperty("ranks").GetInt32());
        Assert.IsTrue(manifest.GetProperty("transport").GetProperty("secure").GetBoolean());
        Assert.AreEqual(3000, manifest.GetProperty("tasks").GetProperty("success").GetInt32() + manifest.GetProperty("tasks").GetProperty("failed").GetInt32());
        Assert.AreEqual(3, manifest.GetProperty("per_rank").GetArrayLength());
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Roles_pinned_to_different_ranks_make_every_task_cross_ranks_without_changing_records()
    {
        using var dir = new TempDir();
        var one = await OneRankAsync(dir);

        var run = await Launch.MpiExecAsync(
            3,
            [.. Coral3000, "--out", dir["pinned"], .. Launch.LoopbackSettings, "sim.zero_latency=true", "placement.teacher=0", "placement.student=1", "placement.extractor=2", "placement.matcher=0"]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        CollectionAssert.AreEqual(one, OutputRecords.Of(dir["pinned"]));
        var ranks = Manifest(dir["pinned"]).GetProperty("per_rank").EnumerateArray().ToList();
        long sent = 0, received = 0;
        foreach (var rank in ranks)
        {
            var peers = rank.GetProperty("peers").EnumerateArray().ToList();
            Assert.HasCount(2, peers);
            Assert.IsGreaterThan(0L, peers.Sum(p => p.GetProperty("orchestrators_sent").GetInt64()), rank.ToString());
            Assert.IsGreaterThan(0L, peers.Sum(p => p.GetProperty("bytes_received").GetInt64()), rank.ToString());
            sent += peers.Sum(p => p.GetProperty("orchestrators_sent").GetInt64());
            received += peers.Sum(p => p.GetProperty("orchestrators_received").GetInt64());
        }

        Assert.AreEqual(sent, received);
        // Every step of every task changes rank (teacher 0 -> extractor 2 -> matcher 0 -> student 1 -> ...), so
        // each of the 3000 tasks crosses ranks at least once per step.
        var hops = Manifest(dir["pinned"]).GetProperty("hops").GetInt64();
        Assert.IsGreaterThanOrEqualTo(hops - 3000, sent);
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Srun_2_ranks_with_pmix_on_the_local_slurm()
    {
        using var dir = new TempDir();
        var one = await OneRankAsync(dir);

        var run = await Launch.SrunAsync(2, [.. Coral3000, "--out", dir["srun"], .. Launch.LoopbackSettings, "sim.zero_latency=true"]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        CollectionAssert.AreEqual(one, OutputRecords.Of(dir["srun"]));
        Assert.AreEqual(2, Manifest(dir["srun"]).GetProperty("ranks").GetInt32());
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task A_rank_given_an_unreachable_peer_fails_fast_and_names_it()
    {
        using var dir = new TempDir();

        // Every rank binds 127.0.0.1 but advertises 127.0.0.2: nothing answers there.
        var run = await Launch.MpiExecAsync(
            2,
            ["run", "coral", "--tasks", "10", "--out", dir["out"], "--set", "transport.bind=127.0.0.1", "transport.advertise_host=127.0.0.2", "transport.connect_timeout_seconds=3"],
            TimeSpan.FromSeconds(90));

        Assert.AreNotEqual(0, run.ExitCode);
        Assert.MatchesRegex(UnreachableLine(), run.Error);
        Assert.IsFalse(File.Exists(dir["out/manifest.json"]));
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Frames_from_outside_the_job_are_dropped_counted_and_change_nothing()
    {
        using var dir = new TempDir();
        var one = await OneRankAsync(dir);

        // The simulated fleet's latency keeps the job running for a few seconds while the attacks land;
        // latency never changes the records.
        var info = new System.Diagnostics.ProcessStartInfo(Launch.MpiExec()) { RedirectStandardError = true, RedirectStandardOutput = true };
        string[] args = ["--allow-run-as-root", "--oversubscribe", "-n", "2", "dotnet", Repo.MatrixDll, .. Coral3000, "--out", dir["two"], .. Launch.LoopbackSettings, "sim.decode_ms=0.3", "placement.teacher=0", "placement.student=1"];
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["TERM"] = "dumb";
        using var job = System.Diagnostics.Process.Start(info)!;
        var stdout = job.StandardOutput.ReadToEndAsync();
        var errors = new System.Text.StringBuilder();
        var attacks = new List<Task>();
        while (await job.StandardError.ReadLineAsync() is { } line)
        {
            errors.AppendLine(line);
            if (ListenLine().Match(line) is { Success: true } m)
            {
                attacks.Add(AttackAsync(m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        await job.WaitForExitAsync();
        await Task.WhenAll(attacks);
        Assert.AreEqual(0, job.ExitCode, errors.ToString() + await stdout);
        Assert.HasCount(2, attacks, "both ranks announced their endpoint");
        CollectionAssert.AreEqual(one, OutputRecords.Of(dir["two"]));
        var transport = Manifest(dir["two"]).GetProperty("transport");
        Assert.IsTrue(transport.GetProperty("secure").GetBoolean());
        Assert.IsGreaterThan(0L, transport.GetProperty("frames_rejected").GetInt64(), "the plaintext ZMTP/1.0 frames reached the socket and were refused");
        Assert.IsGreaterThan(0L, transport.GetProperty("handshake_failures").GetInt64(), "the attackers' connections closed without a handshake and were counted");
        Assert.AreEqual(0L, transport.GetProperty("decode_errors").GetInt64(), "nothing unauthenticated reached the engine");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task A_rank_that_fails_after_the_job_formed_ends_every_rank_with_its_error()
    {
        // Rank 1 serves metrics on the base port + 1: holding that port makes rank 1 alone fail, after every rank
        // joined the job. Before, rank 0 then waited at the end barrier forever (here: until the launcher's timeout).
        using var dir = new TempDir();
        using var blocker = new TcpListener(System.Net.IPAddress.Any, 0);
        blocker.Start();
        var taken = ((System.Net.IPEndPoint)blocker.LocalEndpoint).Port;

        var run = await Launch.MpiExecAsync(
            2,
            ["run", "coral", "--tasks", "200", "--out", dir["failed"], "--metrics-port", (taken - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), .. Launch.LoopbackSettings, "sim.zero_latency=true"],
            TimeSpan.FromMinutes(2));

        Assert.AreEqual(2, run.ExitCode, run.Error);
        Assert.Contains($"cannot serve metrics on port {taken}", run.Error);
        Assert.Contains("rank 1 of 2 failed: ending every rank of the job", run.Error);
    }

    [GeneratedRegex(@"listens on tcp://([0-9.]+):(\d+)")]
    private static partial Regex ListenLine();

    [GeneratedRegex(@"rank \d+ at tcp://127\.0\.0\.2:\d+ did not answer")]
    private static partial Regex UnreachableLine();

    /// <summary>Garbage bytes, then plaintext ZMTP/1.0 frames shaped like a data frame, at one rank's socket.</summary>
    private static async Task AttackAsync(string host, int port)
    {
        // Garbage bytes.
        using (var garbage = new TcpClient())
        {
            await garbage.ConnectAsync(host, port);
            var bytes = new byte[4096];
            Random.Shared.NextBytes(bytes);
            await garbage.GetStream().WriteAsync(bytes);
        }

        // ZMTP/1.0 in plaintext: an identity frame, then a data frame that looks like an orchestrator.
        using (var zmtp10 = new TcpClient())
        {
            await zmtp10.ConnectAsync(host, port);
            var payload = new byte[] { 3, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 1, 1, 0, 0 };
            var frames = new List<byte> { 1, 0, (byte)(payload.Length + 1), 0 };
            frames.AddRange(payload);
            for (var i = 0; i < 3; i++)
            {
                await zmtp10.GetStream().WriteAsync(frames.ToArray());
                frames.RemoveRange(0, 2); // the identity goes first only
            }

            await Task.Delay(200);
        }
    }
}
