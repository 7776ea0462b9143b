using Matrix.Engine.Orchestration;
using Matrix.Engine.Runtime;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Mpi.Ranks;
using Matrix.Tests.Support;

namespace Matrix.Tests.Engine;

/// <summary>Several ranks in one process over an in-memory transport: routing, placement, termination.</summary>
[TestClass]
public sealed class MultiRankEngineTests
{
    private static async Task<(List<Orchestrator> Rows, List<RunSummary> Summaries)> RunAsync(int size, int rows, Func<RunSettings, Placement>? placement = null, HashSet<long>? throwOn = null)
    {
        var transports = InMemoryTransport.Create(size);
        var exchanges = LocalRankExchange.Create(size);
        var runs = new List<Task<(List<Orchestrator>, RunSummary)>>();
        for (var rank = 0; rank < size; rank++)
        {
            var r = rank;
            runs.Add(Task.Run(async () =>
            {
                var scenario = new PingPongScenario { Rows = rows, ThrowOn = throwOn ?? [] };
                var schema = new SettingsSchema();
                EngineSettings.Declare(schema);
                scenario.DeclareSettings(schema);
                Placement.Declare(schema, scenario.Roles.Select(x => x.Name));
                var settings = new RunSettings(schema);
                var sink = new ListSink(_ => scenario.OnWritten());
                var engine = new RankEngine(
                    scenario,
                    new ScenarioContext(settings, 5, new CannedLlm()),
                    new EngineOptions { Concurrency = 16, Seed = 5 },
                    sink,
                    transport: transports[r],
                    placement: placement?.Invoke(settings));
                var input = Shard(scenario.ReadInputAsync(new InputSource(null, null), null!, CancellationToken.None), r, size);
                var summary = await engine.RunAsync(input, exchanges[r].BarrierAsync);
                Assert.IsLessThanOrEqualTo(16, scenario.PeakLive);
                return (sink.Rows.ToList(), summary);
            }));
        }

        var results = await Task.WhenAll(runs);
        foreach (var t in transports)
        {
            await t.DisposeAsync();
        }

        return ([.. results.SelectMany(x => x.Item1)], [.. results.Select(x => x.Item2)]);
    }

    private static async IAsyncEnumerable<InputRow> Shard(IAsyncEnumerable<InputRow> rows, int rank, int size)
    {
        await foreach (var row in rows)
        {
            if (row.Index % size == rank)
            {
                yield return row;
            }
        }
    }

    private static List<string> Fingerprint(IEnumerable<Orchestrator> rows) => rows
        .OrderBy(r => r.Id, StringComparer.Ordinal)
        .Select(r => $"{r.Id}|{r.Outcome}|{r.Reason}|{r.Error}|{r.Hops}|{string.Join(",", r.History.Select(h => h.Agent + ":" + h.Content))}|{((PingPongScenario.Counter?)r.State)?.Rounds}")
        .ToList();

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Three_ranks_produce_the_records_of_one_rank()
    {
        var (one, _) = await RunAsync(1, 300);
        var (three, summaries) = await RunAsync(3, 300);

        CollectionAssert.AreEqual(Fingerprint(one), Fingerprint(three));
        Assert.AreEqual(300, summaries.Sum(s => s.Admitted));
        Assert.IsTrue(summaries.All(s => s.Admitted == 100), "each rank admits its own shard");
        Assert.IsTrue(summaries.SelectMany(s => s.Peers).All(p => p.OrchestratorsSent == 0), "by default every step stays on its rank");
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Pinned_roles_send_every_task_across_ranks_and_records_do_not_change()
    {
        var (one, _) = await RunAsync(1, 240);
        Placement Pinned(RunSettings s)
        {
            s.Set("placement.ping", "0", "test");
            s.Set("placement.pong", "1,2", "test");
            return Placement.FromSettings(s, ["ping", "pong"], 3);
        }

        var (three, summaries) = await RunAsync(3, 240, Pinned);

        CollectionAssert.AreEqual(Fingerprint(one), Fingerprint(three));
        var sent = summaries.SelectMany(s => s.Peers).Sum(p => p.OrchestratorsSent);
        var received = summaries.SelectMany(s => s.Peers).Sum(p => p.OrchestratorsReceived);
        Assert.AreEqual(sent, received);
        // Each task: 6 steps alternating ping (rank 0) and pong (ranks 1, 2); only tasks homed and started on 0 save a hop.
        Assert.IsGreaterThanOrEqualTo(240L * 5, sent);
        var toOne = summaries[0].Peers.Single(p => p.Rank == 1).OrchestratorsSent;
        var toTwo = summaries[0].Peers.Single(p => p.Rank == 2).OrchestratorsSent;
        Assert.IsGreaterThan(0L, toOne);
        Assert.IsGreaterThan(0L, toTwo);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task A_task_that_fails_on_another_rank_is_written_by_its_home_rank()
    {
        Placement Pinned(RunSettings s)
        {
            s.Set("placement.pong", "2", "test");
            return Placement.FromSettings(s, ["ping", "pong"], 3);
        }

        var (rows, summaries) = await RunAsync(3, 60, Pinned, throwOn: [4, 5]);

        var failed = rows.Where(r => r.Outcome == TaskOutcome.Failed).OrderBy(r => r.RowIndex).ToList();
        CollectionAssert.AreEqual(new long[] { 4, 5 }, failed.Select(r => r.RowIndex).ToList());
        Assert.AreEqual(1L, summaries[1].Failed, "row 4 belongs to rank 1");
        Assert.AreEqual(1L, summaries[2].Failed, "row 5 belongs to rank 2");
        Assert.IsTrue(failed.All(r => r.Error!.Contains("pong refuses", StringComparison.Ordinal)));
    }
}
