using Matrix.Engine.Orchestration;
using Matrix.Engine.Runtime;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Tests.Support;

namespace Matrix.Tests.Engine;

[TestClass]
public sealed class RankEngineTests
{
    private static (RankEngine Engine, ListSink Sink) Build(PingPongScenario scenario, int concurrency, int maxHops = 10_000)
    {
        var schema = new SettingsSchema();
        EngineSettings.Declare(schema);
        scenario.DeclareSettings(schema);
        var settings = new RunSettings(schema);
        var context = new ScenarioContext(settings, 7, new CannedLlm());
        var sink = new ListSink(_ => scenario.OnWritten());
        var options = new EngineOptions { Concurrency = concurrency, Seed = 7, MaxHops = maxHops };
        return (new RankEngine(scenario, context, options, sink), sink);
    }

    private static IAsyncEnumerable<InputRow> Input(PingPongScenario s) =>
        s.ReadInputAsync(new InputSource(null, null), null!, CancellationToken.None);

    [TestMethod]
    public async Task Every_task_runs_its_rounds_and_reaches_the_sink_once()
    {
        var scenario = new PingPongScenario { Rows = 500 };
        var (engine, sink) = Build(scenario, concurrency: 64);

        var summary = await engine.RunAsync(Input(scenario));

        Assert.AreEqual(500, sink.Rows.Count);
        Assert.AreEqual(500, sink.Rows.Select(r => r.Id).Distinct().Count());
        Assert.IsTrue(sink.Rows.All(r => r.Outcome == TaskOutcome.Success && r.Reason == "rounds"));
        Assert.IsTrue(sink.Rows.All(r => r.History.Count == 6 && r.Hops == 6));
        Assert.AreEqual(500L * 6, summary.Hops);
        Assert.AreEqual(500L, summary.Succeeded);
        Assert.AreEqual(500L, summary.ReasonsByStatus["success"]["rounds"]);
    }

    [TestMethod]
    public async Task Exactly_the_tasks_whose_agent_throws_fail_with_the_error_text()
    {
        var throwOn = new HashSet<long> { 3, 10, 17, 99 };
        var scenario = new PingPongScenario { Rows = 120, ThrowOn = throwOn };
        var (engine, sink) = Build(scenario, concurrency: 16);

        var summary = await engine.RunAsync(Input(scenario));

        var failed = sink.Rows.Where(r => r.Outcome == TaskOutcome.Failed).ToList();
        CollectionAssert.AreEquivalent(throwOn.ToList(), failed.Select(r => r.RowIndex).ToList());
        foreach (var row in failed)
        {
            Assert.AreEqual("agent_error", row.Reason);
            Assert.Contains($"pong refuses row {row.RowIndex}", row.Error!);
            Assert.StartsWith("pong: InvalidOperationException", row.Error!);
        }

        Assert.AreEqual(120 - throwOn.Count, sink.Rows.Count(r => r.Outcome == TaskOutcome.Success));
        Assert.AreEqual(throwOn.Count, (int)summary.Failed);
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(5)]
    [DataRow(33)]
    public async Task Concurrency_is_never_exceeded(int concurrency)
    {
        var scenario = new PingPongScenario { Rows = 400 };
        var (engine, sink) = Build(scenario, concurrency);

        var summary = await engine.RunAsync(Input(scenario));

        Assert.AreEqual(400, sink.Rows.Count);
        Assert.IsLessThanOrEqualTo(concurrency, scenario.PeakLive, "tasks between Begin and the sink");
        Assert.IsLessThanOrEqualTo((long)concurrency, summary.PeakInFlight);
        Assert.AreEqual(0, scenario.Live);
        if (concurrency > 1)
        {
            Assert.IsGreaterThan(1, scenario.PeakLive, "the engine should overlap tasks");
        }
    }

    [TestMethod]
    public async Task A_route_to_an_unknown_role_fails_the_task_not_the_run()
    {
        var scenario = new PingPongScenario { Rows = 10, RouteTo = "nobody" };
        var (engine, sink) = Build(scenario, concurrency: 4);

        await engine.RunAsync(Input(scenario));

        Assert.AreEqual(10, sink.Rows.Count);
        Assert.IsTrue(sink.Rows.All(r => r.Outcome == TaskOutcome.Failed && r.Reason == "routing_error" && r.Error!.Contains("'nobody'", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task A_task_that_loops_past_max_hops_fails()
    {
        var scenario = new PingPongScenario { Rows = 5 };
        var (engine, sink) = Build(scenario, concurrency: 4, maxHops: 3);

        await engine.RunAsync(Input(scenario));

        Assert.IsTrue(sink.Rows.All(r => r.Outcome == TaskOutcome.Failed && r.Reason == "max_hops" && r.Hops == 3));
    }

    [TestMethod]
    public async Task Task_ids_and_seeds_are_stable_across_runs()
    {
        var first = new PingPongScenario { Rows = 50 };
        var second = new PingPongScenario { Rows = 50 };
        var (e1, s1) = Build(first, 8);
        var (e2, s2) = Build(second, 3);

        await e1.RunAsync(Input(first));
        await e2.RunAsync(Input(second));

        var a = s1.Rows.OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => (r.Id, r.Seed)).ToList();
        var b = s2.Rows.OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => (r.Id, r.Seed)).ToList();
        CollectionAssert.AreEqual(a, b);
        Assert.AreEqual("row0#0", TaskIds.Of("row0", 0));
    }
}
