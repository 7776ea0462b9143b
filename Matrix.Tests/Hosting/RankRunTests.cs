using Matrix.Engine.Llm.Sim;
using Matrix.Engine.Runtime;
using Matrix.Engine.Settings;
using Matrix.Hosting;
using Matrix.Hosting.Cli;
using Matrix.Hosting.Logging;
using Matrix.Hosting.Run;
using Matrix.Scenarios;
using Matrix.Store.Arrow.Read;
using Matrix.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Matrix.Tests.Hosting;

/// <summary>
/// One rank's run composed in-process from <see cref="RunSettings"/>, without the command line: preflight,
/// <see cref="RankRun"/>, <see cref="RunReporter"/>, as <c>matrix run</c> chains them.
/// </summary>
[TestClass]
public sealed class RankRunTests
{
    private const int Tasks = 25;

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task A_one_rank_coral_run_composed_from_settings_writes_one_record_per_task()
    {
        using var dir = new TempDir();
        var (code, result, stdout) = await RunAsync(dir["out"], resume: false);

        Assert.AreEqual(ExitCodes.Success, code);
        Assert.AreEqual(Tasks, result.Admitted);
        Assert.AreEqual(result.Admitted, result.Succeeded + result.Filtered + result.Failed);
        Assert.AreEqual(Tasks, result.Rows);
        Assert.IsGreaterThan(0L, result.LlmRequests, "the simulated LLM answered the agents");
        Assert.IsFalse(result.Cancelled);

        var records = PartReader.ReadDirectory(dir["out"]).ToList();
        Assert.HasCount(Tasks, records);
        Assert.AreEqual(Tasks, records.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.AreEqual(result.Succeeded, records.Count(r => r.Status == "success"));
        Assert.IsTrue(File.Exists(dir["out/manifest.json"]));
        Assert.IsTrue(File.Exists(dir["out/run.json"]), "rank 0 of a new run writes its identity");
        Assert.IsFalse(Directory.Exists(dir["out/.work/rank-0"]), "the content store is gone with the run");
        Assert.Contains($"coral: {Tasks} tasks ({result.Succeeded} success, {result.Filtered} filtered, {result.Failed} failed)", stdout);
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task Resuming_a_finished_run_in_process_admits_nothing()
    {
        using var dir = new TempDir();
        var first = await RunAsync(dir["out"], resume: false);
        Assert.AreEqual(ExitCodes.Success, first.Code);

        var (code, result, stdout) = await RunAsync(dir["out"], resume: true);

        Assert.AreEqual(ExitCodes.Success, code);
        Assert.AreEqual(0L, result.Admitted);
        Assert.Contains($"nothing to resume: every task of '{dir["out"]}' already has a record ({Tasks} records)", stdout);
        Assert.HasCount(Tasks, PartReader.ReadDirectory(dir["out"]).ToList());
    }

    /// <summary>Coral on the zero-latency simulated LLM, settings set directly, then the run and its report.</summary>
    private async Task<(int Code, RankResult Result, string Out)> RunAsync(string outDir, bool resume)
    {
        var scenario = BuiltInScenarios.All.Single(s => s.Name == "coral");
        var settings = RunSettingsResolver.Defaults(scenario);
        settings.Set(EngineSettings.Out, outDir, "test");
        settings.Set(EngineSettings.Tasks, Tasks.ToString(System.Globalization.CultureInfo.InvariantCulture), "test");
        settings.Set(SimFleetOptions.ZeroLatencyKey, "true", "test");
        var plan = RunPreflight.Check(scenario, settings, resume, retryFailed: false);

        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var console = new HostConsole(stdout, stderr, ErrorIsTerminal: false);
        await using var run = await RankRun.StartAsync(plan, console, NullLoggerFactory.Instance, new LogRank(), Ct);
        Assert.AreEqual(1, run.Session.Size, "no launcher: one rank");
        var result = await run.RunAsync(Ct);
        var code = await RunReporter.ReportAsync(run, result, console);
        return (code, result, stdout.ToString());
    }
}
