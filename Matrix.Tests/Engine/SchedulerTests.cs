using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Output;
using Matrix.Engine.Runtime;
using Matrix.Engine.Runtime.Baselines;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Tests.Support;

namespace Matrix.Tests.Engine;

/// <summary>The p2p engine and the two baselines (batch, central): same records, their scheduling, their latency figures, the manifest.</summary>
[TestClass]
public sealed class SchedulerTests
{
    private static readonly SchedulerKind[] All = [SchedulerKind.P2p, SchedulerKind.Batch, SchedulerKind.Central];

    private static JsonElement Manifest(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))).RootElement;

    private static ScenarioContext ContextFor(Scenario scenario)
    {
        var schema = new SettingsSchema();
        EngineSettings.Declare(schema);
        scenario.DeclareSettings(schema);
        return new ScenarioContext(new RunSettings(schema), 7, new CannedLlm());
    }

    private static ITaskScheduler Create(SchedulerKind kind, Scenario scenario, ITaskSink sink, EngineOptions options) =>
        Schedulers.Create(scenario, ContextFor(scenario), options with { Scheduler = kind }, sink);

    private static IAsyncEnumerable<InputRow> Input(Scenario scenario) => scenario.ReadInputAsync(new InputSource(null, null), null!, CancellationToken.None);

    // ---- same records -------------------------------------------------------------------------------------

    [TestMethod]
    [DataRow("coral", new[] { "--tasks", "150" }, new string[0])]
    [DataRow("nr", new[] { "--tasks", "300" }, new string[0])]
    [DataRow("tau2", new string[0], new[] { "tau2.sample_size=40" })]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Every_scheduler_writes_the_records_of_p2p(string scenario, string[] args, string[] sets)
    {
        using var dir = new TempDir();
        var records = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, extra) in new[]
        {
            ("p2p", Array.Empty<string>()),
            ("batch", new[] { "scheduler.batch_workers=3" }),
            ("central", new[] { "scheduler.central_workers=5" }),
        })
        {
            var run = await HostRun.MatrixAsync(["run", scenario, .. args, "--seed", "5", "--concurrency", "16", "--out", dir[name], "--set", "sim.zero_latency=true", $"scheduler={name}", .. sets, .. extra]);
            Assert.AreEqual(0, run.ExitCode, run.Error);
            records[name] = OutputRecords.Of(dir[name]);
            var manifest = Manifest(dir[name]);
            Assert.AreEqual(name, manifest.GetProperty("scheduler").GetString());
            Assert.AreEqual(manifest.GetProperty("hops").GetInt64(), manifest.GetProperty("latency").GetProperty("hop_us").GetProperty("count").GetInt64(), name);
            if (name != "p2p")
            {
                Assert.AreEqual(0, manifest.GetProperty("store").GetProperty("offload_bytes").GetInt32(), "the baselines never offload");
            }
        }

        Assert.IsGreaterThan(10, records["p2p"].Count);
        CollectionAssert.AreEqual(records["p2p"], records["batch"], "batch");
        CollectionAssert.AreEqual(records["p2p"], records["central"], "central");
    }

    [TestMethod]
    public async Task Failures_are_mapped_the_same_by_every_scheduler()
    {
        var results = new Dictionary<SchedulerKind, List<(string Id, TaskOutcome Outcome, string? Reason, string? Error, int Hops)>>();
        foreach (var kind in All)
        {
            var scenario = new FaultScenario();
            var sink = new ListSink();
            var options = new EngineOptions { Concurrency = 6, Seed = 3, MaxHops = 5, Trials = 2, BatchWorkers = 2, CentralWorkers = 3, AlreadyDone = id => id == "row9#1" };
            var engine = Create(kind, scenario, sink, options);

            var summary = await engine.RunAsync(Input(scenario));

            Assert.AreEqual(1L, engine.Counters.Skipped, kind.ToString());
            Assert.AreEqual(FaultScenario.RowCount * 2 - 1, sink.Rows.Count, kind.ToString());
            Assert.AreEqual(summary.Admitted, sink.Rows.Count);
            Assert.IsFalse(summary.Cancelled);
            results[kind] = [.. sink.Rows.Select(r => (r.Id, r.Outcome, r.Reason, r.Error, r.Hops)).OrderBy(r => r.Id, StringComparer.Ordinal)];
        }

        var p2p = results[SchedulerKind.P2p].ToDictionary(r => r.Id, StringComparer.Ordinal);
        (TaskOutcome, string?, string?) Of(string id) => (p2p[id].Outcome, p2p[id].Reason, p2p[id].Error);
        Assert.AreEqual((TaskOutcome.Failed, "agent_error", "a: InvalidOperationException: a refuses row 1"), Of("row1#0"));
        Assert.AreEqual((TaskOutcome.Failed, "llm_error", "b: the model is down"), Of("row2#1"));
        Assert.AreEqual((TaskOutcome.Failed, "agent_error", "a: ArgumentException: no route for row 3"), Of("row3#0"));
        Assert.AreEqual((TaskOutcome.Failed, "scenario_error", "faults.Begin: row 4 cannot begin"), Of("row4#0"));
        Assert.AreEqual((TaskOutcome.Failed, "malformed_input", "input.jsonl:6: not JSON"), Of("malformed-row-5#0"));
        Assert.AreEqual((TaskOutcome.Failed, "routing_error", "faults routed the task to unknown role 'nobody'"), Of("row6#0"));
        Assert.AreEqual((TaskOutcome.Failed, "max_hops", null), Of("row7#0"));
        Assert.AreEqual(5, p2p["row7#0"].Hops);
        Assert.AreEqual((TaskOutcome.Success, "done", null), Of("row0#1"));
        Assert.IsFalse(p2p.ContainsKey("row9#1"), "already done: not admitted");
        CollectionAssert.AreEqual(results[SchedulerKind.P2p], results[SchedulerKind.Batch], "batch");
        CollectionAssert.AreEqual(results[SchedulerKind.P2p], results[SchedulerKind.Central], "central");
    }

    [TestMethod]
    [DataRow(SchedulerKind.P2p)]
    [DataRow(SchedulerKind.Batch)]
    [DataRow(SchedulerKind.Central)]
    public async Task Cancelling_stops_admission_and_writes_every_task_in_flight(SchedulerKind kind)
    {
        using var cts = new CancellationTokenSource();
        var scenario = new PingPongScenario { Rows = 5000 };
        var written = 0;
        var sink = new ListSink(_ =>
        {
            scenario.OnWritten();
            if (Interlocked.Increment(ref written) == 20)
            {
                cts.Cancel();
            }
        });
        var engine = Create(kind, scenario, sink, new EngineOptions { Concurrency = 8, Seed = 1, BatchWorkers = 2 });

        var summary = await engine.RunAsync(Input(scenario), cancellationToken: cts.Token);

        Assert.IsTrue(summary.Cancelled);
        Assert.IsLessThan(5000L, summary.Admitted);
        Assert.AreEqual(summary.Admitted, sink.Rows.Count, "every admitted task was written");
        Assert.IsTrue(sink.Rows.All(r => r.Outcome == TaskOutcome.Success), "tasks in flight finish normally");
        Assert.AreEqual(0, scenario.Live);
    }

    [TestMethod]
    [DataRow(SchedulerKind.P2p)]
    [DataRow(SchedulerKind.Batch)]
    [DataRow(SchedulerKind.Central)]
    public async Task A_sink_failure_fails_the_run(SchedulerKind kind)
    {
        var scenario = new PingPongScenario { Rows = 300 };
        var writes = 0;
        var sink = new ListSink(_ =>
        {
            if (Interlocked.Increment(ref writes) == 5)
            {
                throw new IOException("disk full");
            }
        });
        var engine = Create(kind, scenario, sink, new EngineOptions { Concurrency = 8, Seed = 1, BatchWorkers = 2 });

        var e = await Assert.ThrowsExactlyAsync<IOException>(() => engine.RunAsync(Input(scenario)));

        Assert.Contains("disk full", e.Message);
        Assert.IsLessThan(300L, engine.Counters.Admitted, "admission stopped");
        Assert.AreEqual(engine.Counters.Admitted, engine.Counters.Finished, "every admitted task came through the sink");
    }

    // ---- batch --------------------------------------------------------------------------------------------

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Batch_starts_the_next_batch_only_when_every_task_of_the_current_one_is_written()
    {
        // One worker, batches of 4: rows 0-3, 4-7, 8-11. Row 0 is held until rows 1-3 are written and then some.
        var scenario = new GateScenario(rows: 12, held: 0);
        var engine = Create(SchedulerKind.Batch, scenario, scenario.Sink, new EngineOptions { Concurrency = 4, BatchWorkers = 1 });

        var run = engine.RunAsync(Input(scenario));
        await scenario.WrittenAsync(3);

        // No sleep to prove an absence: row 0 is held, so a scheduler that began row 4 early did so before
        // "write 0" in the log, which the ordering check below catches deterministically.
        Assert.AreEqual(4, scenario.Begun, "no task of the next batch began while row 0 is running");
        scenario.Release();
        await run;

        var log = scenario.Log;
        Assert.HasCount(24, log);
        for (var batch = 1; batch < 3; batch++)
        {
            var lastWrite = Enumerable.Range((batch - 1) * 4, 4).Max(row => log.IndexOf($"write {row}"));
            var firstBegin = Enumerable.Range(batch * 4, 4).Min(row => log.IndexOf($"begin {row}"));
            Assert.IsLessThan(firstBegin, lastWrite, $"batch {batch} began before batch {batch - 1} was written: {string.Join(", ", log)}");
        }

        Assert.AreEqual(3L, ((BatchScheduler)engine).BatchesCompleted);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task P2p_admits_the_next_task_as_soon_as_one_finishes()
    {
        // The contrast to the batch test: the same held row does not hold back p2p's admission.
        var scenario = new GateScenario(rows: 12, held: 0);
        var engine = Create(SchedulerKind.P2p, scenario, scenario.Sink, new EngineOptions { Concurrency = 4 });

        var run = engine.RunAsync(Input(scenario));
        await scenario.BegunAsync(row: 6);
        Assert.DoesNotContain("write 0", scenario.Log);
        scenario.Release();
        await run;

        Assert.HasCount(12, scenario.Sink.Rows);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task A_held_batch_holds_only_its_own_worker()
    {
        // Two workers, batches of 2: while row 0 holds worker A, worker B runs every other batch.
        var scenario = new GateScenario(rows: 20, held: 0);
        var engine = Create(SchedulerKind.Batch, scenario, scenario.Sink, new EngineOptions { Concurrency = 4, BatchWorkers = 2 });

        var run = engine.RunAsync(Input(scenario));
        await scenario.WrittenAsync(19);
        Assert.DoesNotContain("write 0", scenario.Log);
        scenario.Release();
        await run;

        Assert.HasCount(20, scenario.Sink.Rows);
        Assert.AreEqual(10L, ((BatchScheduler)engine).BatchesCompleted);
    }

    [TestMethod]
    public void Batches_add_up_to_the_concurrency()
    {
        Assert.AreEqual(25, BatchScheduler.BatchSize(500, 20, 0));
        Assert.AreEqual(512, Enumerable.Range(0, 20).Sum(w => BatchScheduler.BatchSize(512, 20, w)));
        Assert.AreEqual(26, BatchScheduler.BatchSize(512, 20, 11));
        Assert.AreEqual(25, BatchScheduler.BatchSize(512, 20, 12));
    }

    // ---- central ------------------------------------------------------------------------------------------

    [TestMethod]
    public async Task Central_routes_every_step_through_its_one_loop()
    {
        var scenario = new NextCounting(new PingPongScenario { Rows = 400 });
        var sink = new ListSink(_ => scenario.Inner.OnWritten());
        var engine = (CentralScheduler)Create(SchedulerKind.Central, scenario, sink, new EngineOptions { Concurrency = 32, CentralWorkers = 3 });

        var summary = await engine.RunAsync(Input(scenario));

        Assert.AreEqual(400, sink.Rows.Count);
        Assert.AreEqual(400L * 6, summary.Hops);
        Assert.AreEqual(summary.Hops, engine.StepResults, "every step's result came back to the loop");
        Assert.AreEqual(summary.Hops + summary.Admitted + 1, engine.LoopIterations, "steps, admissions and the end of the input");
        Assert.AreEqual(summary.Hops, scenario.NextCalls);
        Assert.AreEqual(1, scenario.PeakConcurrentNext, "Next never runs concurrently");
        Assert.IsLessThanOrEqualTo(3, scenario.PeakConcurrentSteps, "at most central_workers steps at once");
        Assert.AreEqual(3, engine.Workers);
    }

    // ---- latency ------------------------------------------------------------------------------------------

    [TestMethod]
    [DataRow(SchedulerKind.P2p)]
    [DataRow(SchedulerKind.Batch)]
    [DataRow(SchedulerKind.Central)]
    public async Task Latency_counts_hops_tasks_and_the_queued_share_on_a_scripted_clock(SchedulerKind kind)
    {
        // One task at a time on a clock that moves only in Begin (250 us: part of the first hop) and in steps
        // (1 ms each, 4 steps): every task takes 4.25 ms, of which 0.25 ms queued.
        var clock = new StepClock();
        var scenario = new ClockScenario(clock, rows: 10);
        var sink = new ListSink();
        var engine = Create(kind, scenario, sink, new EngineOptions { Concurrency = 1, Time = clock });

        var summary = await engine.RunAsync(Input(scenario));

        var latency = summary.Latency;
        Assert.AreEqual(40L, latency.Hops.Count);
        Assert.AreEqual(40L, summary.Hops);
        Assert.AreEqual(10L, latency.Tasks.Count);
        Assert.AreEqual(0.0, latency.Hops.Percentile(0.5));
        Assert.AreEqual(250_000, latency.Hops.Percentile(0.99), 250_000 / 64.0);
        Assert.AreEqual(4_250_000, latency.Tasks.Percentile(0.5), 4_250_000 / 64.0);
        Assert.AreEqual(10L * 4_250_000, latency.TaskNanoseconds);
        Assert.AreEqual(10L * 250_000, latency.QueuedNanoseconds);
        Assert.AreEqual(0.25 / 4.25, latency.QueuedShare, 1e-12);
    }

    [TestMethod]
    public void A_hop_that_crosses_ranks_keeps_its_start_and_queued_time_through_the_wire()
    {
        // Sender and receiver clocks run at different offsets (two processes), sharing only wall-clock time.
        var sender = new StepClock(timestampOrigin: 5_000_000_000);
        var receiver = new StepClock(timestampOrigin: 70_000_000_000);
        var scenario = new PingPongScenario();
        var task = new Orchestrator("row1#0", 0, 9, 1, 1) { State = new PingPongScenario.Counter(), DispatchedAt = sender.GetTimestamp() - 3_000_000, QueuedNanoseconds = 42_000 };

        var message = new Matrix.Engine.Transport.OrchestratorCodec(scenario.Name, scenario.MessageTypes, sender).Encode(task, "pong", 0);
        sender.Advance(2_000_000);
        receiver.Advance(2_000_000);
        var (arrived, _, _) = new Matrix.Engine.Transport.OrchestratorCodec(scenario.Name, scenario.MessageTypes, receiver).Decode(message);

        Assert.AreEqual(5_000_000L, receiver.GetTimestamp() - arrived.DispatchedAt, "3 ms before sending + 2 ms in transport");
        Assert.AreEqual(42_000L, arrived.QueuedNanoseconds);
    }

    // ---- manifest -----------------------------------------------------------------------------------------

    [TestMethod]
    [DataRow("p2p")]
    [DataRow("batch")]
    [DataRow("central")]
    public async Task The_manifest_has_the_scheduler_latency_and_process_figures(string scheduler)
    {
        using var dir = new TempDir();

        var run = await HostRun.MatrixAsync("run", "coral", "--tasks", "200", "--out", dir["out"], "--set", "sim.zero_latency=true", $"scheduler={scheduler}");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var manifest = Manifest(dir["out"]);
        AssertContract(manifest, scheduler, tasks: 200);
        var rank = manifest.GetProperty("per_rank")[0].GetProperty("process");
        Assert.AreEqual(manifest.GetProperty("process").GetProperty("cpu_seconds").GetDouble(), rank.GetProperty("cpu_seconds").GetDouble());
        Assert.AreEqual(manifest.GetProperty("process").GetProperty("peak_memory_bytes").GetInt64(), rank.GetProperty("peak_memory_bytes").GetInt64());
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Mpiexec_2_ranks_merge_their_latency_histograms_and_process_figures()
    {
        using var dir = new TempDir();

        var run = await Launch.MpiExecAsync(
            2,
            ["run", "coral", "--tasks", "400", "--out", dir["two"], .. Launch.LoopbackSettings, "sim.zero_latency=true", "placement.teacher=0", "placement.student=1"]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var manifest = Manifest(dir["two"]);
        AssertContract(manifest, "p2p", tasks: 400);
        var ranks = manifest.GetProperty("per_rank").EnumerateArray().Select(r => r.GetProperty("process")).ToList();
        Assert.HasCount(2, ranks);
        Assert.IsTrue(ranks.All(r => r.GetProperty("cpu_seconds").GetDouble() > 0 && r.GetProperty("peak_memory_bytes").GetInt64() > 0));
        var process = manifest.GetProperty("process");
        Assert.AreEqual(ranks.Sum(r => r.GetProperty("cpu_seconds").GetDouble()), process.GetProperty("cpu_seconds").GetDouble(), 0.002, "CPU adds up over ranks");
        Assert.AreEqual(ranks.Max(r => r.GetProperty("peak_memory_bytes").GetInt64()), process.GetProperty("peak_memory_bytes").GetInt64(), "memory: the largest rank");
        // Each rank's sink took only its own tasks: the job-wide count is the sum, so the histograms were merged.
        Assert.IsTrue(manifest.GetProperty("per_rank").EnumerateArray().All(r => r.GetProperty("admitted").GetInt64() is > 0 and < 400));
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task A_baseline_on_two_ranks_is_refused_in_one_line()
    {
        using var dir = new TempDir();

        var run = await Launch.MpiExecAsync(2, ["run", "coral", "--tasks", "10", "--out", dir["two"], .. Launch.LoopbackSettings, "scheduler=batch"]);

        Assert.AreEqual(2, run.ExitCode, run.Error);
        Assert.Contains("matrix: scheduler=batch runs on one rank only (this job has 2)", run.Error);
        Assert.IsFalse(File.Exists(dir["two/manifest.json"]));
        Assert.IsFalse(File.Exists(dir["two/run.json"]), "refused before anything was written");
    }

    private static void AssertContract(JsonElement manifest, string scheduler, int tasks)
    {
        Assert.AreEqual(scheduler, manifest.GetProperty("scheduler").GetString());
        var latency = manifest.GetProperty("latency");
        var hop = latency.GetProperty("hop_us");
        var task = latency.GetProperty("task_ms");
        Assert.AreEqual(manifest.GetProperty("hops").GetInt64(), hop.GetProperty("count").GetInt64(), "one hop latency per agent step");
        Assert.AreEqual(tasks, task.GetProperty("count").GetInt64(), "one task latency per task");
        Assert.IsTrue(hop.GetProperty("p50").GetDouble() >= 0 && hop.GetProperty("p50").GetDouble() <= hop.GetProperty("p99").GetDouble());
        Assert.IsTrue(task.GetProperty("p50").GetDouble() > 0 && task.GetProperty("p50").GetDouble() <= task.GetProperty("p99").GetDouble());
        var share = latency.GetProperty("queued_share").GetDouble();
        Assert.IsTrue(share is > 0 and <= 1, $"queued_share {share}");
        var process = manifest.GetProperty("process");
        Assert.IsGreaterThan(0.0, process.GetProperty("cpu_seconds").GetDouble());
        Assert.IsGreaterThan(10L << 20, process.GetProperty("peak_memory_bytes").GetInt64());
        Assert.AreEqual(JsonValueKind.Number, process.GetProperty("peak_memory_bytes").ValueKind);
    }

    // ---- test scenarios -----------------------------------------------------------------------------------

    /// <summary>Roles a → b, one kind of failure per row (see the test's expectations); other rows succeed.</summary>
    private sealed class FaultScenario : Scenario
    {
        public const int RowCount = 10;

        public override string Name => "faults";

        public override string Description => "every way a task can fail";

        public override IReadOnlyList<RoleSpec> Roles { get; } = [new("a", AgentKind.Code), new("b", AgentKind.Code)];

        public override IReadOnlyList<OutputColumn> Columns { get; } = [];

        public override async IAsyncEnumerable<InputRow> ReadInputAsync(InputSource source, ScenarioContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var i = 0; i < RowCount; i++)
            {
                await Task.Yield();
                yield return i == 5 ? InputRow.Malformed(5, "input.jsonl:6: not JSON") : new InputRow($"row{i}", i, i);
            }
        }

        public override IAgent CreateAgent(string role, ScenarioContext context) => new Step(role);

        public override Route Begin(Orchestrator task, ScenarioContext context) =>
            task.RowIndex == 4 ? throw new InvalidOperationException("row 4 cannot begin")
            : task.RowIndex == 6 ? Route.To("nobody")
            : Route.To("a");

        public override Route Next(Orchestrator task, ScenarioContext context) =>
            task.RowIndex == 3 ? throw new ArgumentException("no route for row 3")
            : task.RowIndex == 7 ? Route.To(task.CurrentRole == "a" ? "b" : "a")
            : task.CurrentRole == "a" ? Route.To("b")
            : Route.Succeed("done");

        private sealed class Step(string role) : IAgent
        {
            public async ValueTask RunAsync(Orchestrator task, CancellationToken cancellationToken)
            {
                await Task.Yield();
                if (role == "a" && task.RowIndex == 1)
                {
                    throw new InvalidOperationException("a refuses row 1");
                }

                if (role == "b" && task.RowIndex == 2)
                {
                    throw new LlmException("the model is down");
                }

                task.Append(new Turn(role, ChatRoles.Assistant, $"{role} on {task.Id}"));
            }
        }
    }

    /// <summary>One step per task; the held row's step waits for <see cref="Release"/>. Logs begins and writes in order.</summary>
    private sealed class GateScenario : Scenario
    {
        private readonly int _rows;
        private readonly long _held;
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly ConcurrentQueue<string> _log = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _events = new(StringComparer.Ordinal);
        private int _begun;
        private int _written;

        public GateScenario(int rows, long held)
        {
            _rows = rows;
            _held = held;
            Sink = new ListSink(t =>
            {
                Add($"write {t.RowIndex}");
                Signal($"written {Interlocked.Increment(ref _written)}");
            });
        }

        public ListSink Sink { get; }

        public int Begun => Volatile.Read(ref _begun);

        public List<string> Log => [.. _log];

        public override string Name => "gate";

        public override string Description => "one step, one held row";

        public override IReadOnlyList<RoleSpec> Roles { get; } = [new("work", AgentKind.Llm)];

        public override IReadOnlyList<OutputColumn> Columns { get; } = [];

        public void Release() => _release.TrySetResult();

        public Task WrittenAsync(int count) => Event($"written {count}");

        public Task BegunAsync(int row) => Event($"begin {row}");

        public override async IAsyncEnumerable<InputRow> ReadInputAsync(InputSource source, ScenarioContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var i = 0; i < _rows; i++)
            {
                await Task.Yield();
                yield return new InputRow($"row{i}", i, i);
            }
        }

        public override IAgent CreateAgent(string role, ScenarioContext context) => new Work(this);

        public override Route Begin(Orchestrator task, ScenarioContext context)
        {
            Interlocked.Increment(ref _begun);
            Add($"begin {task.RowIndex}");
            Signal($"begin {task.RowIndex}");
            return Route.To("work");
        }

        public override Route Next(Orchestrator task, ScenarioContext context) => Route.Succeed("done");

        private void Add(string entry) => _log.Enqueue(entry);

        private Task Event(string name) => _events.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

        private void Signal(string name) => _events.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

        private sealed class Work(GateScenario owner) : IAgent
        {
            public async ValueTask RunAsync(Orchestrator task, CancellationToken cancellationToken)
            {
                await Task.Yield();
                if (task.RowIndex == owner._held)
                {
                    await owner._release.Task.WaitAsync(cancellationToken);
                }

                task.Append(new Turn("work", ChatRoles.Assistant, "done"));
            }
        }
    }

    /// <summary>Wraps a scenario: counts Next calls, and the most Next calls and agent steps ever running at once.</summary>
    private sealed class NextCounting(PingPongScenario inner) : Scenario
    {
        private int _inNext;
        private int _peakNext;
        private int _inStep;
        private int _peakStep;
        private long _nextCalls;

        public PingPongScenario Inner => inner;

        public long NextCalls => Interlocked.Read(ref _nextCalls);

        public int PeakConcurrentNext => Volatile.Read(ref _peakNext);

        public int PeakConcurrentSteps => Volatile.Read(ref _peakStep);

        public override string Name => inner.Name;

        public override string Description => inner.Description;

        public override IReadOnlyList<RoleSpec> Roles => inner.Roles;

        public override IReadOnlyList<OutputColumn> Columns => inner.Columns;

        public override void DeclareSettings(SettingsSchema schema) => inner.DeclareSettings(schema);

        public override IAsyncEnumerable<InputRow> ReadInputAsync(InputSource source, ScenarioContext context, CancellationToken cancellationToken) =>
            inner.ReadInputAsync(source, context, cancellationToken);

        public override IAgent CreateAgent(string role, ScenarioContext context) => new Counted(this, inner.CreateAgent(role, context));

        public override Route Begin(Orchestrator task, ScenarioContext context) => inner.Begin(task, context);

        public override Route Next(Orchestrator task, ScenarioContext context)
        {
            Interlocked.Increment(ref _nextCalls);
            Peak(ref _peakNext, Interlocked.Increment(ref _inNext));
            try
            {
                // A little work inside Next, so that concurrent calls would overlap.
                Thread.SpinWait(200);
                return inner.Next(task, context);
            }
            finally
            {
                Interlocked.Decrement(ref _inNext);
            }
        }

        private static void Peak(ref int peak, int now)
        {
            int seen;
            while (now > (seen = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, now, seen) != seen)
            {
            }
        }

        private sealed class Counted(NextCounting owner, IAgent agent) : IAgent
        {
            public async ValueTask RunAsync(Orchestrator task, CancellationToken cancellationToken)
            {
                Peak(ref owner._peakStep, Interlocked.Increment(ref owner._inStep));
                try
                {
                    await Task.Yield();
                    await agent.RunAsync(task, cancellationToken);
                }
                finally
                {
                    Interlocked.Decrement(ref owner._inStep);
                }
            }
        }
    }

    /// <summary>A clock that moves only when told: timestamps in nanoseconds from <c>timestampOrigin</c>, and wall-clock time with them.</summary>
    private sealed class StepClock(long timestampOrigin = 1_000_000_000) : TimeProvider
    {
        private static readonly DateTimeOffset WallOrigin = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        private long _elapsed;

        public override long TimestampFrequency => 1_000_000_000;

        public override long GetTimestamp() => timestampOrigin + Interlocked.Read(ref _elapsed);

        public override DateTimeOffset GetUtcNow() => WallOrigin.AddTicks(Interlocked.Read(ref _elapsed) / 100);

        public void Advance(long nanoseconds) => Interlocked.Add(ref _elapsed, nanoseconds);
    }

    /// <summary>a → b → a → b; Begin moves the clock 250 us, each step 1 ms.</summary>
    private sealed class ClockScenario(StepClock clock, int rows) : Scenario
    {
        public override string Name => "clock";

        public override string Description => "steps that take scripted time";

        public override IReadOnlyList<RoleSpec> Roles { get; } = [new("a", AgentKind.Code), new("b", AgentKind.Code)];

        public override IReadOnlyList<OutputColumn> Columns { get; } = [];

        public override async IAsyncEnumerable<InputRow> ReadInputAsync(InputSource source, ScenarioContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var i = 0; i < rows; i++)
            {
                await Task.Yield();
                yield return new InputRow($"row{i}", i, i);
            }
        }

        public override IAgent CreateAgent(string role, ScenarioContext context) => new Tick(clock, role);

        public override Route Begin(Orchestrator task, ScenarioContext context)
        {
            clock.Advance(250_000);
            return Route.To("a");
        }

        public override Route Next(Orchestrator task, ScenarioContext context) =>
            task.History.Count == 4 ? Route.Succeed("done") : Route.To(task.CurrentRole == "a" ? "b" : "a");

        private sealed class Tick(StepClock clock, string role) : IAgent
        {
            public async ValueTask RunAsync(Orchestrator task, CancellationToken cancellationToken)
            {
                await Task.Yield();
                clock.Advance(1_000_000);
                task.Append(new Turn(role, ChatRoles.Assistant, "tick"));
            }
        }
    }
}
