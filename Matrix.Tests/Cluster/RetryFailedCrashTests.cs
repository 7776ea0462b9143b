using Matrix.Engine.Llm.Sim;
using Matrix.Hosting.SimServer;
using Matrix.Tests.Support;

namespace Matrix.Tests.Cluster;

/// <summary>
/// <c>--resume --retry-failed</c> with real processes: killed at random moments (also while it rewrites the
/// parts), then run again, and under mpiexec: still every task exactly once, no failed record left.
/// </summary>
[TestClass]
[TestCategory("cluster")]
public sealed class RetryFailedCrashTests
{
    private const string Tasks = "1200";
    private static readonly string[] Run = ["run", "coral", "--tasks", Tasks, "--seed", "9"];

    // The in-process simulated LLM never fails; slow, so that kills land mid-run. Small parts: many to rewrite.
    private static readonly string[] Retry =
        ["--retry-failed", "--llm", "sim", "--set", "sim.decode_ms=0.4", "output.flush_seconds=0.2", "output.rows_per_batch=16", "output.rows_per_part=64", .. Launch.LoopbackSettings[1..]];

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task A_retry_killed_at_random_moments_then_retried_again_loses_and_duplicates_nothing()
    {
        using var dir = new TempDir();
        var before = await FailedRun.WriteAsync(dir["out"], 0.05, Run);
        var random = new Random(20260311);

        var killed = 0;
        for (var kill = 0; kill < 4; kill++)
        {
            var run = await KillableRun.RunOnceAsync([.. Run, .. Retry], dir["out"], 1, TimeSpan.FromMilliseconds(random.Next(300, 1800)));
            killed += run.Killed ? 1 : 0;
        }

        await KillableRun.RunOnceAsync([.. Run, .. Retry], dir["out"], 1, killAfter: null);
        Assert.IsGreaterThan(0, killed, "at least one retry was killed mid-run");
        await FailedRun.AssertRetriedAsync(dir["out"], before);
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task Retry_failed_under_mpiexec_runs_each_failed_task_once_on_some_rank()
    {
        using var dir = new TempDir();
        await using var failing = await SimServer.StartAsync(
            new SimServerOptions { Responders = BuiltInSim.Responders, Port = 0, Fleet = new SimFleetOptions { ZeroLatency = true }, PermanentFailRate = 0.03 },
            CancellationToken.None);
        string[] settings = [.. Launch.LoopbackSettings, "llm.backoff_ms=1", "llm.max_retries=1", "output.rows_per_batch=16", "output.rows_per_part=64"];
        var first = await Launch.MpiExecAsync(2, [.. Run, "--out", dir["out"], "--llm", failing.BaseUrl.ToString(), .. settings]);
        Assert.AreEqual(0, first.ExitCode, first.Error + first.Out);
        var before = FailedRun.ById(dir["out"]);
        var failed = before.Values.Count(FailedRun.IsFailed);
        Assert.IsGreaterThan(0, failed);

        var retry = await Launch.MpiExecAsync(2, [.. Run, "--out", dir["out"], "--resume", "--retry-failed", "--llm", "sim", .. settings, "sim.zero_latency=true"]);

        Assert.AreEqual(0, retry.ExitCode, retry.Error + retry.Out);
        Assert.Contains($"{failed} failed records retried", retry.Out);
        await FailedRun.AssertRetriedAsync(dir["out"], before);
    }
}
