using System.Text.Json;
using System.Xml.Linq;
using Matrix.Tests.Support;

namespace Matrix.Tests.Hosting;

/// <summary>
/// <c>matrix bench</c> through the real executable, at smoke size: the reports' structure, never a speed.
/// Figures of the manifest contract (latency, process, scheduler) are checked whenever the runs' manifests have them.
/// </summary>
[TestClass]
[TestCategory("cluster")]
public sealed class BenchTests
{
    private static async Task<(JsonElement Json, string Markdown, XDocument Svg, string Out)> BenchAsync(TempDir dir, params string[] args)
    {
        var run = await Repo.RunAsync("dotnet", [Repo.MatrixDll, "bench", .. args, "--out", dir["bench"]], TimeSpan.FromMinutes(3));
        Assert.AreEqual(0, run.ExitCode, run.Error + run.Out);
        Assert.Contains("| ", run.Out, "the tables are printed");
        Assert.IsFalse(Directory.Exists(dir["bench/runs"]) && !args.Contains("--keep-runs"), "runs are removed without --keep-runs");
        var json = JsonDocument.Parse(await File.ReadAllTextAsync(dir["bench/bench.json"])).RootElement;
        var markdown = await File.ReadAllTextAsync(dir["bench/bench.md"]);
        var svg = XDocument.Load(dir["bench/bench.svg"]);
        Assert.AreEqual("svg", svg.Root!.Name.LocalName);
        Assert.AreEqual("http://www.w3.org/2000/svg", svg.Root.Name.NamespaceName);
        AssertMachine(json.GetProperty("machine"));
        Assert.Contains("Machine: ", markdown);
        Assert.IsTrue(json.GetProperty("complete").GetBoolean());
        Assert.AreEqual(0, json.GetProperty("runs_failed").GetInt32());
        foreach (var r in json.GetProperty("runs").EnumerateArray())
        {
            AssertRun(r, markdown);
        }

        return (json, markdown, svg, run.Out);
    }

    private static void AssertMachine(JsonElement machine)
    {
        Assert.AreEqual(Environment.ProcessorCount, machine.GetProperty("cores").GetInt32());
        Assert.IsGreaterThan(0L, machine.GetProperty("memory_bytes").GetInt64(), "MemTotal of /proc/meminfo");
        Assert.IsFalse(string.IsNullOrEmpty(machine.GetProperty("os").GetString()));
        Assert.StartsWith(".NET ", machine.GetProperty("dotnet").GetString()!);
        Assert.AreEqual(JsonValueKind.String, machine.GetProperty("cpu_model").ValueKind);
    }

    /// <summary>Every run: its exact command (this executable, 'run', its own --out), an exit code 0, numeric figures.</summary>
    private static void AssertRun(JsonElement run, string markdown)
    {
        var command = run.GetProperty("command").EnumerateArray().Select(a => a.GetString()!).ToList();
        Assert.Contains(Repo.MatrixDll, command);
        Assert.Contains("run", command);
        Assert.Contains("--out", command);
        Assert.Contains(run.GetProperty("command_line").GetString()!, markdown, "bench.md lists each run's command");
        Assert.AreEqual(0, run.GetProperty("exit_code").GetInt32());
        Assert.AreEqual(JsonValueKind.Null, run.GetProperty("error").ValueKind);
        var manifest = run.GetProperty("manifest");
        var derived = run.GetProperty("derived");
        foreach (var figure in (string[])["elapsed_seconds", "tasks_per_second", "hops_per_second", "completion_tokens_per_second", "peak_in_flight"])
        {
            Assert.AreEqual(JsonValueKind.Number, derived.GetProperty(figure).ValueKind, figure);
        }

        // The contract: figures present and numeric whenever the manifest carries them.
        if (manifest.TryGetProperty("latency", out _))
        {
            foreach (var figure in (string[])["hop_p50_us", "hop_p99_us", "task_p50_ms", "task_p99_ms", "queued_share"])
            {
                Assert.AreEqual(JsonValueKind.Number, derived.GetProperty(figure).ValueKind, figure);
            }
        }

        if (manifest.TryGetProperty("process", out _))
        {
            Assert.IsGreaterThan(0.0, derived.GetProperty("cpu_seconds").GetDouble());
            Assert.IsGreaterThan(0.0, derived.GetProperty("peak_memory_bytes").GetDouble());
        }
    }

    private static bool HasContract(JsonElement json, string key) =>
        json.GetProperty("runs").EnumerateArray().All(r => r.GetProperty("manifest").TryGetProperty(key, out _));

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task Fleet_quick_measures_every_scenario_and_scheduler_and_writes_the_three_reports()
    {
        using var dir = new TempDir();
        var (json, markdown, svg, _) = await BenchAsync(dir, "--suite", "fleet", "--quick");

        var fleet = json.GetProperty("suites").GetProperty("fleet");
        var scenarios = fleet.GetProperty("scenarios").EnumerateArray().ToList();
        CollectionAssert.AreEqual(new[] { "coral", "nr", "tau2" }, scenarios.Select(s => s.GetProperty("scenario").GetString()).ToArray());
        var withSchedulers = HasContract(json, "scheduler");
        var schedulers = withSchedulers ? new[] { "p2p", "batch", "central" } : ["p2p"];
        CollectionAssert.AreEqual(schedulers, fleet.GetProperty("schedulers").EnumerateArray().Select(s => s.GetString()).ToArray());
        foreach (var s in scenarios)
        {
            Assert.IsGreaterThan(0.0, s.GetProperty("fleet").GetProperty("capacity_tokens_per_second").GetDouble());
            foreach (var name in schedulers)
            {
                var median = s.GetProperty("schedulers").GetProperty(name).GetProperty("median");
                Assert.IsGreaterThan(0.0, median.GetProperty("completion_tokens_per_second").GetDouble());
                Assert.IsGreaterThan(0.0, median.GetProperty("utilization").GetDouble());
            }

            if (withSchedulers)
            {
                Assert.IsGreaterThan(0.0, s.GetProperty("ratios").GetProperty("p2p_over_batch").GetDouble());
                Assert.IsGreaterThan(0.0, s.GetProperty("ratios").GetProperty("p2p_over_central").GetDouble());
            }
        }

        // Alternating order within each scenario: p2p, batch, central.
        var runs = json.GetProperty("runs").EnumerateArray().ToList();
        Assert.HasCount(3 * schedulers.Length, runs);
        CollectionAssert.AreEqual(schedulers, runs.Take(schedulers.Length).Select(r => r.GetProperty("scheduler").GetString()).ToArray());
        if (withSchedulers)
        {
            Assert.IsTrue(runs.All(r => r.GetProperty("command").EnumerateArray().Any(a => a.GetString() == "scheduler=" + r.GetProperty("scheduler").GetString())));
            Assert.IsTrue(runs.All(r => r.GetProperty("manifest").GetProperty("scheduler").GetString() == r.GetProperty("scheduler").GetString()));
        }

        Assert.Contains("## Fleet", markdown);
        Assert.Contains("| scenario | fleet | tasks, concurrency | scheduler | tokens/s |", markdown);
        Assert.Contains("| scenario | p2p / batch | p2p / central | per repetition | target |", markdown);
        Assert.Contains("6.80x over the Coral runner", markdown);
        Assert.Contains(">= 2.10x over batch", markdown);
        Assert.IsNotEmpty(svg.Descendants().Where(e => e.Name.LocalName == "rect").ToList());
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task Ceiling_quick_on_one_rank_reports_hops_trajectories_and_hop_latency()
    {
        using var dir = new TempDir();
        var (json, markdown, _, stdout) = await BenchAsync(dir, "--suite", "ceiling", "--quick", "--ranks", "1");

        var ceiling = json.GetProperty("suites").GetProperty("ceiling");
        var rows = ceiling.GetProperty("rows").EnumerateArray().ToList();
        Assert.HasCount(4, rows, "one rank at concurrency 16, 256, 1024, and 1024 with offloading; no 2-rank row with --ranks 1");
        Assert.IsTrue(rows.All(r => r.GetProperty("ranks").GetInt32() == 1));
        foreach (var row in rows)
        {
            Assert.IsGreaterThan(0.0, row.GetProperty("hops_per_second").GetDouble());
            Assert.IsGreaterThan(0.0, row.GetProperty("trajectories_per_second").GetDouble());
            if (HasContract(json, "latency"))
            {
                Assert.IsGreaterThan(0.0, row.GetProperty("hop_p50_us").GetDouble());
            }
        }

        Assert.IsTrue(ceiling.GetProperty("notes").EnumerateArray().Any(n => n.GetString()!.Contains("--ranks 1", StringComparison.Ordinal)));
        Assert.IsTrue(json.GetProperty("runs").EnumerateArray().All(r => r.GetProperty("command").EnumerateArray().Any(a => a.GetString() == "sim.zero_latency=true")));
        Assert.Contains("## Engine ceiling", markdown);
        Assert.Contains(">= 300,000", markdown);
        Assert.Contains("## Engine ceiling", stdout);
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task Scale_quick_reports_memory_per_in_flight_task_and_keeps_runs_when_asked()
    {
        using var dir = new TempDir();
        var (json, markdown, _, _) = await BenchAsync(dir, "--suite", "scale", "--quick", "--keep-runs");

        var scale = json.GetProperty("suites").GetProperty("scale");
        Assert.AreEqual("baseline", scale.GetProperty("baseline").GetString());
        var rows = scale.GetProperty("rows").EnumerateArray().ToList();
        Assert.HasCount(1, rows);
        Assert.AreEqual(1000, rows[0].GetProperty("in_flight").GetInt32());
        Assert.IsGreaterThan(500.0, rows[0].GetProperty("peak_in_flight").GetDouble(), "a fleet wide enough holds (nearly) every task in flight");
        if (HasContract(json, "process"))
        {
            Assert.AreEqual(JsonValueKind.Number, rows[0].GetProperty("memory_per_in_flight_task_bytes").ValueKind);
        }

        Assert.IsTrue(File.Exists(dir["bench/runs/scale/baseline/manifest.json"]), "--keep-runs keeps each run's directory");
        Assert.Contains("## Scale", markdown);
        Assert.Contains("memory per in-flight task", markdown);
    }

    [TestMethod]
    [DataRow("unknown suite 'nope' (suites: ceiling, fleet, scale, all)", "--suite", "nope")]
    [DataRow("name a suite", "--quick")]
    [DataRow("--ranks must be 1 or 2, got 3", "--suite", "ceiling", "--ranks", "3")]
    [DataRow("--repeat must be at least 1, got 0", "--suite", "fleet", "--repeat", "0")]
    [DataRow("--max-in-flight must be at least 1000, got 10", "--suite", "scale", "--max-in-flight", "10")]
    [DataRow("unknown option '--bogus'", "--suite", "fleet", "--bogus")]
    public async Task A_usage_mistake_exits_2_with_one_line_and_writes_nothing(string expected, params string[] args)
    {
        using var dir = new TempDir();
        var run = await HostRun.MatrixAsync(["bench", .. args, "--out", dir["bench"]]);

        Assert.AreEqual(2, run.ExitCode, run.Error);
        Assert.HasCount(1, run.ErrorLines, run.Error);
        Assert.StartsWith("matrix: ", run.ErrorLines[0]);
        Assert.Contains(expected, run.ErrorLines[0]);
        Assert.IsFalse(Directory.Exists(dir["bench"]), "nothing may be written");
    }

    [TestMethod]
    public async Task A_directory_that_holds_a_bench_is_refused()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["bench"]);
        await File.WriteAllTextAsync(dir["bench/bench.json"], "{}");

        var run = await HostRun.MatrixAsync("bench", "--suite", "ceiling", "--out", dir["bench"]);

        Assert.AreEqual(2, run.ExitCode, run.Error);
        Assert.HasCount(1, run.ErrorLines, run.Error);
        Assert.Contains("already holds a bench", run.ErrorLines[0]);
    }
}
