using System.Text.Json;
using Matrix.Tests.Support;

namespace Matrix.Tests.Cluster;

/// <summary>tau2 across ranks (its task state, databases included, travels in the orchestrator) and across crashes.</summary>
[TestClass]
[TestCategory("cluster")]
public sealed class Tau2ClusterTests
{
    private static readonly string[] SimRun = ["run", "tau2", "--seed", "4", "--set", "tau2.sample_size=150"];

    private static readonly string[] Pinned =
        ["--set", "placement.user_simulator=0", "placement.assistant=1", "placement.tool_executor=2", "placement.reward=0", "placement.judge=1"];

    private static async Task<List<string>> OneRankAsync(string outDir, params string[] args)
    {
        var run = await HostRun.MatrixAsync([.. args, "--out", outDir]);
        Assert.AreEqual(0, run.ExitCode, run.Error);
        return OutputRecords.Of(outDir);
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task With_the_simulated_llm_and_every_role_on_another_rank_3_ranks_write_the_records_of_one()
    {
        using var dir = new TempDir();
        var one = await OneRankAsync(dir["one"], [.. SimRun, "--set", "sim.zero_latency=true"]);

        var run = await Launch.MpiExecAsync(3, [.. SimRun, "--out", dir["three"], .. Launch.LoopbackSettings, "sim.zero_latency=true", .. Pinned[1..]]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        CollectionAssert.AreEqual(one, OutputRecords.Of(dir["three"]));
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(dir["three/manifest.json"])).RootElement;
        var crossed = manifest.GetProperty("per_rank").EnumerateArray()
            .Sum(r => r.GetProperty("peers").EnumerateArray().Sum(p => p.GetProperty("orchestrators_sent").GetInt64()));
        Assert.IsGreaterThan(150L * 4, crossed, "every tool step and every turn change ranks");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task The_oracle_on_retail_under_mpiexec_3_matches_one_rank_with_full_reward()
    {
        using var dir = new TempDir();
        string[] oracle = ["run", "tau2", "--llm", "oracle", "--data", Tau2Data.Folder("retail")];
        var one = await OneRankAsync(dir["one"], oracle);

        var run = await Launch.MpiExecAsync(3, [.. oracle, "--out", dir["three"], .. Launch.LoopbackSettings, .. Pinned[1..]]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        CollectionAssert.AreEqual(one, OutputRecords.Of(dir["three"]));
        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(dir["three/manifest.json"])).RootElement;
        Assert.AreEqual(1.0, manifest.GetProperty("metrics").GetProperty("reward").GetDouble(), 1e-12);
        Assert.AreEqual(114, manifest.GetProperty("tasks").GetProperty("success").GetInt32());
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task Killed_at_random_moments_then_resumed_every_conversation_is_there_once()
    {
        using var dir = new TempDir();
        string[] run = ["run", "tau2", "--seed", "8", "--set", "tau2.sample_size=400"];
        var reference = await OneRankAsync(dir["reference"], [.. run, "--set", "sim.zero_latency=true"]);
        string[] slow = [.. run, "--set", "sim.decode_ms=0.4", "output.flush_seconds=0.2", "output.rows_per_batch=32"];
        var random = new Random(2511);

        for (var kill = 0; kill < 2; kill++)
        {
            await KillableRun.RunOnceAsync(slow, dir["crashy"], 1, TimeSpan.FromMilliseconds(random.Next(900, 2500)));
        }

        await KillableRun.RunOnceAsync(slow, dir["crashy"], 1, killAfter: null);
        await KillableRun.AssertExactlyOnceAsync(dir["crashy"], 400, reference);
    }
}
