using Matrix.Store.Arrow.Read;
using Matrix.Tests.Support;

namespace Matrix.Tests.Hosting;

/// <summary>Through the whole host: a throwing agent fails its tasks alone and the run still exits 0.</summary>
[TestClass]
public sealed class FaultIsolationTests
{
    [TestMethod]
    public async Task An_agent_that_throws_on_some_tasks_fails_exactly_those_and_the_run_exits_0()
    {
        using var dir = new TempDir();
        var scenario = new PingPongScenario { Rows = 200, ThrowOn = [0, 13, 77, 199] };

        var run = await HostRun.RunAsync([scenario], "run", "pingpong", "--out", dir["out"], "--concurrency", "16");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var rows = PartReader.ReadDirectory(dir["out"]).ToList();
        Assert.HasCount(200, rows);
        var failed = rows.Where(r => r.Status == "failed").OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        CollectionAssert.AreEqual(new[] { "row0#0", "row13#0", "row199#0", "row77#0" }, failed.Select(r => r.Id).ToList());
        foreach (var row in failed)
        {
            Assert.AreEqual("agent_error", row.Reason);
            Assert.AreEqual($"pong: InvalidOperationException: pong refuses row {row.Id[3..^2]}", row.Error);
        }

        Assert.IsTrue(rows.Except(failed).All(r => r.Status == "success" && r.Error is null && (int)r.Columns["rounds"]! == 3));
        Assert.Contains("4 failed", run.Out);
    }

    [TestMethod]
    public async Task Progress_is_logged_periodically_when_stderr_is_not_a_terminal()
    {
        using var dir = new TempDir();
        var run = await HostRun.MatrixAsync(
            "run", "coral", "--tasks", "300", "--concurrency", "32", "--out", dir["out"], "--set", "sim.decode_ms=0.2", "progress.interval_seconds=0.1");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var progress = run.ErrorLines.Where(l => l.StartsWith("progress: [coral] ", StringComparison.Ordinal)).ToList();
        Assert.IsNotEmpty(progress, run.Error);
        Assert.IsTrue(progress.All(l => l.Contains("/300 done", StringComparison.Ordinal) && l.Contains("in flight", StringComparison.Ordinal) && l.Contains("tok/s", StringComparison.Ordinal)), run.Error);
    }
}
