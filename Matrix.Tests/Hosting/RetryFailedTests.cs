using System.Text.Json;
using Matrix.Engine.Llm.Sim;
using Matrix.Hosting.SimServer;
using Matrix.Tests.Support;

namespace Matrix.Tests.Hosting;

/// <summary><c>matrix run ... --resume --retry-failed</c> through the host entry point.</summary>
[TestClass]
public sealed class RetryFailedTests
{
    private static readonly string[] Run = ["run", "coral", "--tasks", "300", "--seed", "5"];

    [TestMethod]
    public async Task Failed_tasks_run_again_and_every_task_keeps_exactly_one_record()
    {
        using var dir = new TempDir();
        var before = await FailedRun.WriteAsync(dir["out"], 0.02, Run);
        var failed = before.Values.Count(FailedRun.IsFailed);
        await using var healthy = await SimServer.StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Port = 0, Fleet = new SimFleetOptions { ZeroLatency = true } }, CancellationToken.None);

        var retry = await HostRun.MatrixAsync([.. Run, "--out", dir["out"], "--resume", "--retry-failed", "--llm", healthy.BaseUrl.ToString()]);

        Assert.AreEqual(0, retry.ExitCode, retry.Error);
        Assert.Contains($"{before.Count - failed} tasks already had records, {failed} failed records retried", retry.Out);
        Assert.Contains($"coral: {failed} tasks ({failed} success, 0 filtered, 0 failed)", retry.Out);
        await FailedRun.AssertRetriedAsync(dir["out"], before);

        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(dir["out/manifest.json"])).RootElement;
        var tasks = manifest.GetProperty("tasks");
        Assert.AreEqual(failed, tasks.GetProperty("admitted").GetInt32());
        Assert.AreEqual(0, tasks.GetProperty("failed").GetInt32(), "the removed records are not counted");
        Assert.AreEqual(before.Count, tasks.GetProperty("success").GetInt32() + tasks.GetProperty("filtered").GetInt32());
        Assert.AreEqual(failed, manifest.GetProperty("resume").GetProperty("failed_records_retried").GetInt32());
        Assert.AreEqual(before.Count - failed, manifest.GetProperty("resume").GetProperty("records_found").GetInt32());

        // Nothing failed any more: a second retry has nothing to do.
        var again = await HostRun.MatrixAsync([.. Run, "--out", dir["out"], "--resume", "--retry-failed"]);
        Assert.AreEqual(0, again.ExitCode, again.Error);
        Assert.Contains("nothing to resume", again.Out);
    }

    [TestMethod]
    public async Task A_plain_resume_keeps_failed_records_as_done()
    {
        using var dir = new TempDir();
        var before = await FailedRun.WriteAsync(dir["out"], 0.02, Run);

        var resume = await HostRun.MatrixAsync([.. Run, "--out", dir["out"], "--resume"]);

        Assert.AreEqual(0, resume.ExitCode, resume.Error);
        Assert.Contains("nothing to resume", resume.Out);
        CollectionAssert.AreEquivalent(before.ToList(), FailedRun.ById(dir["out"]).ToList());
    }

    [TestMethod]
    public async Task Retry_failed_without_resume_is_a_usage_error()
    {
        using var dir = new TempDir();

        var run = await HostRun.MatrixAsync([.. Run, "--out", dir["out"], "--retry-failed"]);

        Assert.AreEqual(2, run.ExitCode);
        Assert.HasCount(1, run.ErrorLines);
        Assert.Contains("--retry-failed works with --resume", run.Error);
        Assert.IsFalse(Directory.Exists(dir["out"]) && Directory.EnumerateFileSystemEntries(dir["out"]).Any(), "nothing was written");
    }
}
