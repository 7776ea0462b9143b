using System.Text.Json;
using Matrix.Store.Arrow.Read;
using Matrix.Tests.Support;

namespace Matrix.Tests.Cluster;

/// <summary>nr as several MPI ranks and across a kill -9 with --resume: the same records as one uninterrupted rank.</summary>
[TestClass]
[TestCategory("cluster")]
public sealed class NrClusterTests
{
    private const int Tasks = 1200;
    private static readonly string[] Nr = ["run", "nr", "--tasks", "1200", "--seed", "13"];

    private static async Task<List<string>> OneRankAsync(TempDir dir)
    {
        var run = await HostRun.MatrixAsync([.. Nr, "--out", dir["one"], "--set", "sim.zero_latency=true"]);
        Assert.AreEqual(0, run.ExitCode, run.Error);
        return OutputRecords.Of(dir["one"]);
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Mpiexec_3_ranks_write_exactly_the_records_of_one_rank_also_with_each_role_on_another_rank()
    {
        using var dir = new TempDir();
        var one = await OneRankAsync(dir);

        var plain = await Launch.MpiExecAsync(3, [.. Nr, "--out", dir["three"], .. Launch.LoopbackSettings, "sim.zero_latency=true"]);
        // Every step on another rank than the last: documents, states and offloaded turns cross ranks.
        var pinned = await Launch.MpiExecAsync(
            3,
            [.. Nr, "--out", dir["pinned"], .. Launch.LoopbackSettings, "sim.zero_latency=true", "placement.filter=1", "placement.score=2", "placement.question=0"]);

        Assert.AreEqual(0, plain.ExitCode, plain.Error);
        Assert.AreEqual(0, pinned.ExitCode, pinned.Error);
        Assert.HasCount(3, PartReader.ListParts(dir["three"]).Select(p => Path.GetFileName(p)[..10]).Distinct().ToList(), "one part file series per rank");
        CollectionAssert.AreEqual(one, OutputRecords.Of(dir["three"]));
        CollectionAssert.AreEqual(one, OutputRecords.Of(dir["pinned"]));
        var manifest = JsonDocument.Parse(File.ReadAllText(dir["pinned/manifest.json"])).RootElement;
        Assert.AreEqual(3, manifest.GetProperty("ranks").GetInt32());
        var sent = manifest.GetProperty("per_rank").EnumerateArray()
            .Sum(rank => rank.GetProperty("peers").EnumerateArray().Sum(p => p.GetProperty("orchestrators_sent").GetInt64()));
        Assert.IsGreaterThanOrEqualTo(Tasks, sent, "every task left its rank at least once");
        Assert.IsGreaterThan(0L, manifest.GetProperty("store").GetProperty("fetches_remote").GetInt64(), "offloaded documents were fetched from another rank");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task One_rank_killed_at_a_random_moment_then_resumed_writes_every_document_once()
    {
        using var dir = new TempDir();
        var reference = await OneRankAsync(dir);
        var killAfter = TimeSpan.FromMilliseconds(new Random().Next(600, 2000));

        // A slow simulated fleet keeps the run going (latency never changes records).
        string[] slow = [.. Nr, "--set", "sim.decode_ms=0.4", "output.flush_seconds=0.2", "output.rows_per_batch=64"];
        var first = await KillableRun.RunOnceAsync(slow, dir["crashy"], 1, killAfter);
        var resumed = await KillableRun.RunOnceAsync(slow, dir["crashy"], 1, killAfter: null);

        Assert.IsTrue(first.Killed, $"the run was still going after {killAfter.TotalMilliseconds} ms");
        StringAssert.Contains(resumed.Output, "tasks already had records", "the second run resumed the first");
        await KillableRun.AssertExactlyOnceAsync(dir["crashy"], Tasks, reference);
    }
}
