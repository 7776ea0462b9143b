using System.Globalization;
using Matrix.Engine.Llm.Sim;
using Matrix.Hosting.SimServer;
using Matrix.Store.Arrow.Read;

namespace Matrix.Tests.Support;

/// <summary>
/// A coral run in which some tasks fail, the same ones every time: an in-process sim-server answers a
/// fixed fraction of distinct requests with errors, and a task fails when one of its calls runs out of
/// retries. For the <c>--retry-failed</c> tests.
/// </summary>
internal static class FailedRun
{
    /// <summary>Runs <paramref name="args"/> plus a failing endpoint and returns the records by id (as <see cref="OutputRecords"/> compares them).</summary>
    public static async Task<Dictionary<string, string>> WriteAsync(string outDir, double permanentFailRate, params string[] args)
    {
        await using var failing = await SimServer.StartAsync(
            new SimServerOptions { Responders = BuiltInSim.Responders, Port = 0, Fleet = new SimFleetOptions { ZeroLatency = true }, PermanentFailRate = permanentFailRate },
            CancellationToken.None);
        var run = await HostRun.MatrixAsync(
            [.. args, "--out", outDir, "--llm", failing.BaseUrl.ToString(), "--set", "llm.backoff_ms=1", "llm.max_retries=1", "output.rows_per_batch=16", "output.rows_per_part=64"]);
        Assert.AreEqual(0, run.ExitCode, run.Error);
        var records = ById(outDir);
        Assert.IsTrue(records.Values.Any(IsFailed), "some tasks failed");
        Assert.IsTrue(records.Values.Any(r => !IsFailed(r)), "some tasks did not");
        return records;
    }

    public static Dictionary<string, string> ById(string dir)
    {
        var ids = PartReader.ReadDirectory(dir).Select(r => r.Id).OrderBy(i => i, StringComparer.Ordinal).ToList();
        var records = OutputRecords.Of(dir);
        Assert.HasCount(ids.Count, records);
        return ids.Zip(records).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
    }

    public static bool IsFailed(string record) => record.Contains("\"Status\":\"failed\"", StringComparison.Ordinal);

    /// <summary>
    /// After the retry: every task exactly once (the independent JS reader agrees), none failed, and every
    /// record that had not failed exactly as it was.
    /// </summary>
    public static async Task AssertRetriedAsync(string dir, Dictionary<string, string> before)
    {
        var check = await Repo.RunAsync("node", [Repo.Reader("check-run.mjs"), dir, before.Count.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        Assert.AreEqual(0, check.ExitCode, "independent reader: " + check.Error + check.Out);
        var after = ById(dir);
        CollectionAssert.AreEquivalent(before.Keys.ToList(), after.Keys.ToList());
        Assert.IsFalse(after.Values.Any(IsFailed), "every failed task ran again, on a healthy endpoint");
        foreach (var (id, record) in before.Where(r => !IsFailed(r.Value)))
        {
            Assert.AreEqual(record, after[id], $"{id} did not fail and must not change");
        }
    }
}
