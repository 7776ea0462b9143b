using System.Text.Json;
using Matrix.Tests.Support;

namespace Matrix.Tests.Hosting;

/// <summary>
/// <c>--log-level</c> and <c>--log-format</c>: logs on stderr carry the rank, stdout keeps the summary, progress
/// lines (<c>progress: ...</c>) stay plain text, user mistakes stay one plain line.
/// </summary>
[TestClass]
public sealed class LogOutputTests
{
    private static readonly string[] Coral = ["run", "coral", "--tasks", "20", "--set", "sim.zero_latency=true"];

    [TestMethod]
    public async Task Json_format_writes_one_object_per_line_with_level_message_category_and_rank()
    {
        using var dir = new TempDir();

        var run = await HostRun.MatrixAsync([.. Coral, "--out", dir["out"], "--log-format", "json"]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        Assert.StartsWith("coral: 20 tasks", run.Out);
        var logs = run.ErrorLines.Where(l => !l.StartsWith("progress: ", StringComparison.Ordinal)).ToList();
        Assert.IsNotEmpty(logs, run.Error);
        foreach (var line in logs)
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            Assert.IsFalse(string.IsNullOrEmpty(root.GetProperty("level").GetString()), line);
            Assert.IsFalse(string.IsNullOrEmpty(root.GetProperty("message").GetString()), line);
            Assert.IsFalse(string.IsNullOrEmpty(root.GetProperty("category").GetString()), line);
            Assert.AreEqual(0, root.GetProperty("rank").GetInt32(), line);
        }

        Assert.IsTrue(logs.Any(l => l.Contains("\"level\":\"Information\"", StringComparison.Ordinal) && l.Contains("coral starts", StringComparison.Ordinal)), run.Error);
    }

    [TestMethod]
    public async Task Text_format_prefixes_the_rank_and_warning_level_hides_information()
    {
        using var dir = new TempDir();

        var info = await HostRun.MatrixAsync([.. Coral, "--out", dir["info"]]);
        var quiet = await HostRun.MatrixAsync([.. Coral, "--out", dir["quiet"], "--log-level", "warning"]);

        Assert.AreEqual(0, info.ExitCode, info.Error);
        Assert.IsTrue(info.ErrorLines.Any(l => l.StartsWith("[rank 0] info: rank 0/1: coral starts", StringComparison.Ordinal)), info.Error);
        Assert.AreEqual(0, quiet.ExitCode, quiet.Error);
        Assert.IsFalse(quiet.ErrorLines.Any(l => l.Contains("info:", StringComparison.Ordinal)), quiet.Error);
        Assert.StartsWith("coral: 20 tasks", quiet.Out);
    }

    [TestMethod]
    public async Task A_bad_log_level_is_one_plain_usage_line()
    {
        using var dir = new TempDir();

        var run = await HostRun.MatrixAsync([.. Coral, "--out", dir["out"], "--log-level", "loud"]);

        Assert.AreEqual(2, run.ExitCode);
        Assert.HasCount(1, run.ErrorLines, run.Error);
        Assert.StartsWith("matrix: --log-level 'loud'", run.ErrorLines[0]);
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    [TestCategory("cluster")]
    public async Task Under_mpiexec_every_rank_tags_its_json_lines_with_its_rank()
    {
        using var dir = new TempDir();

        var run = await Launch.MpiExecAsync(2, [.. Coral, "--out", dir["two"], "--log-format", "json", .. Launch.LoopbackSettings]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var ranks = new HashSet<int>();
        foreach (var line in run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => l.StartsWith('{')))
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var rank = root.GetProperty("rank").GetInt32();
            var message = root.GetProperty("message").GetString()!;
            if (message.Contains("listens on", StringComparison.Ordinal))
            {
                Assert.StartsWith($"rank {rank}/2 ", message, line);
                ranks.Add(rank);
            }
        }

        CollectionAssert.AreEquivalent(new[] { 0, 1 }, ranks.ToArray(), run.Error);
    }
}
