using Matrix.Store.Arrow.Read;
using Matrix.Tests.Support;

namespace Matrix.Tests.Cluster;

/// <summary>kill -9 at random moments, then --resume: every task exactly once, every part readable.</summary>
[TestClass]
[TestCategory("cluster")]
public sealed class CrashResumeTests
{
    private const int Tasks = 1500;
    private static readonly string[] Run = ["run", "coral", "--tasks", "1500", "--seed", "9"];

    // A slow simulated fleet keeps the run going for seconds, so kills land mid-run; latency never changes records.
    private static readonly string[] Slow = ["--set", "sim.decode_ms=0.4", "output.flush_seconds=0.2", "output.rows_per_batch=64", "transport.advertise_host=127.0.0.1", "transport.bind=127.0.0.1"];

    private static async Task<List<string>> ReferenceAsync(TempDir dir)
    {
        var run = await HostRun.MatrixAsync([.. Run, "--out", dir["reference"], "--set", "sim.zero_latency=true"]);
        Assert.AreEqual(0, run.ExitCode, run.Error);
        return OutputRecords.Of(dir["reference"]);
    }

    private static Task<KillableRun.Outcome> RunOnceAsync(string outDir, int ranks, TimeSpan? killAfter) =>
        KillableRun.RunOnceAsync([.. Run, .. Slow], outDir, ranks, killAfter);

    private static Task AssertExactlyOnceAsync(string dir, List<string> reference) => KillableRun.AssertExactlyOnceAsync(dir, Tasks, reference);

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task One_rank_killed_at_random_moments_then_resumed_loses_and_duplicates_nothing()
    {
        using var dir = new TempDir();
        var reference = await ReferenceAsync(dir);
        var random = new Random(20261125);

        for (var kill = 0; kill < 3; kill++)
        {
            await RunOnceAsync(dir["crashy"], 1, TimeSpan.FromMilliseconds(random.Next(700, 2500)));
        }

        await RunOnceAsync(dir["crashy"], 1, killAfter: null);
        await AssertExactlyOnceAsync(dir["crashy"], reference);
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task A_rank_killed_under_mpiexec_then_resumed_loses_and_duplicates_nothing()
    {
        using var dir = new TempDir();
        var reference = await ReferenceAsync(dir);
        var random = new Random(7);

        for (var kill = 0; kill < 2; kill++)
        {
            var run = await RunOnceAsync(dir["mpi"], 2, TimeSpan.FromMilliseconds(random.Next(1500, 3500)));
            Assert.IsTrue(!run.Killed || run.ExitCode != 0, "MPI ends the job when a rank dies");
        }

        await RunOnceAsync(dir["mpi"], 2, killAfter: null);
        await AssertExactlyOnceAsync(dir["mpi"], reference);
    }

    [TestMethod]
    public async Task Resume_of_a_finished_directory_does_nothing_and_says_so()
    {
        using var dir = new TempDir();
        var first = await HostRun.MatrixAsync("run", "coral", "--tasks", "50", "--out", dir["out"], "--set", "sim.zero_latency=true");
        Assert.AreEqual(0, first.ExitCode, first.Error);
        var parts = PartReader.ListParts(dir["out"]).ToList();
        var manifest = await File.ReadAllTextAsync(dir["out/manifest.json"]);

        var again = await HostRun.MatrixAsync("run", "coral", "--tasks", "50", "--out", dir["out"], "--resume", "--set", "sim.zero_latency=true");

        Assert.AreEqual(0, again.ExitCode, again.Error);
        Assert.Contains("nothing to resume", again.Out);
        CollectionAssert.AreEqual(parts, PartReader.ListParts(dir["out"]).ToList());
        Assert.AreEqual(manifest, await File.ReadAllTextAsync(dir["out/manifest.json"]));
    }

    [TestMethod]
    public async Task Resume_refuses_a_directory_of_another_scenario_or_seed()
    {
        using var dir = new TempDir();
        var first = await HostRun.MatrixAsync("run", "coral", "--tasks", "20", "--seed", "1", "--out", dir["out"], "--set", "sim.zero_latency=true");
        Assert.AreEqual(0, first.ExitCode, first.Error);

        var otherSeed = await HostRun.MatrixAsync("run", "coral", "--tasks", "20", "--seed", "2", "--out", dir["out"], "--resume");
        Assert.AreEqual(2, otherSeed.ExitCode);
        Assert.Contains("was written with seed 1, not 2", otherSeed.Error);

        var poem = await HostRun.RunAsync([new HelloScenario.PoemScenario()], "run", "poem", "--tasks", "5", "--seed", "1", "--out", dir["out"], "--resume");
        Assert.AreEqual(2, poem.ExitCode);
        Assert.Contains("scenario 'coral', not 'poem'", poem.Error);

        var nothing = await HostRun.MatrixAsync("run", "coral", "--out", dir["empty"], "--resume");
        Assert.AreEqual(2, nothing.ExitCode);
        Assert.Contains("holds no run to resume", nothing.Error);

        var fresh = await HostRun.MatrixAsync("run", "coral", "--tasks", "20", "--seed", "1", "--out", dir["out"]);
        Assert.AreEqual(2, fresh.ExitCode);
        Assert.Contains("pass --resume", fresh.Error);
    }
}
