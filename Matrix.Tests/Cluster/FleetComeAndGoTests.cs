using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Matrix.Engine.Llm.Sim;
using Matrix.Hosting.SimServer;
using Matrix.Tests.Support;

namespace Matrix.Tests.Cluster;

/// <summary>
/// Inference servers that come and go during a run, as jobs/vllm-fleet.sbatch makes them: the run's default pool
/// reads a URL file; server A (a real <c>matrix sim-server</c> process) serves the first calls, server B starts
/// mid-run and appends its URL, then A dies by kill -9, either with its line removed (the fleet job's exit trap ran)
/// or still listed (its node died). The run must finish every task with exactly the records of an undisturbed
/// one-rank run: the simulated answers depend only on seed and messages, whichever server gives them.
/// </summary>
[TestClass]
[TestCategory("cluster")]
public sealed partial class FleetComeAndGoTests
{
    private const int Tasks = 24;
    private const double DecodeMs = 4; // ~5 s of run: long enough to join B and kill A mid-run
    private static readonly string[] Coral = ["run", "coral", "--tasks", "24", "--seed", "13"];
    private static readonly string[] Shape = ["coral.max_turns=6"];

    public TestContext TestContext { get; set; } = null!;

    public enum Departure
    {
        /// <summary>A is killed and its line removed from the file (the fleet job's trap ran).</summary>
        RemovedFromFile,

        /// <summary>A is killed and its line stays (its node died): the pool must route around a dead URL.</summary>
        DeadButListed,
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    [DataRow(Departure.RemovedFromFile)]
    [DataRow(Departure.DeadButListed)]
    public Task One_rank_keeps_every_record_while_servers_join_and_die(Departure departure) => RunAsync(ranks: 1, departure);

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    [DataRow(Departure.RemovedFromFile)]
    [DataRow(Departure.DeadButListed)]
    public Task Srun_2_ranks_keep_every_record_while_servers_join_and_die(Departure departure) => RunAsync(ranks: 2, departure);

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public Task A_dead_server_still_listed_is_ejected_after_consecutive_failures() => RunAsync(ranks: 1, Departure.DeadButListed, expectEjection: true);

    private async Task RunAsync(int ranks, Departure departure, bool expectEjection = false)
    {
        var ct = TestContext.CancellationToken;
        if (ranks > 1 && Environment.GetEnvironmentVariable("SLURM_CONF") is null)
        {
            Assert.Fail("no local Slurm: run eval \"$(tools/ci/slurm-up.sh | tail -1)\" first (test.sh does)");
        }

        using var dir = new TempDir();
        var reference = await ReferenceAsync(dir, ct);
        var urls = dir["urls.txt"];

        using var a = new Child("dotnet", [Repo.MatrixDll, "sim-server", "--port", "0", "--decode-ms", DecodeMs.ToString(CultureInfo.InvariantCulture)]);
        var aUrl = await a.WaitForLineAsync(ListeningLine(), TimeSpan.FromSeconds(60), "sim-server A to listen", ct);
        WriteUrls(urls, aUrl);

        string[] settings =
        [
            .. Shape,
            "llm.pools.default.urls_file=" + urls,
            "llm.urls_file_poll_seconds=0.5",
            "llm.eject_seconds=0.5",
            "llm.max_eject_seconds=2",
            "llm.backoff_ms=50",
            "llm.max_backoff_ms=500",
            "llm.timeout_seconds=30",
            "progress.interval_seconds=0.3",
            "output.flush_seconds=0.2",
            "transport.advertise_host=127.0.0.1",
            "transport.bind=127.0.0.1",
        ];
        string[] matrix = [Repo.MatrixDll, .. Coral, "--out", dir["fleet"], "--set", .. settings];
        using var run = ranks == 1
            ? new Child("dotnet", matrix)
            : new Child("srun", ["-n", ranks.ToString(CultureInfo.InvariantCulture), "--mpi=pmix", "dotnet", .. matrix]);

        // 1. A serves alone until the first tasks are done.
        await run.WaitForLineAsync(SomeDone(), TimeSpan.FromSeconds(90), "the run's first finished task (served by A alone)", ct);

        // 2. B starts and appends its URL: the pool re-reads the file and sends B its share of the tasks.
        await using var b = await SimServer.StartAsync(
            new SimServerOptions { Responders = BuiltInSim.Responders, Host = "127.0.0.1", Port = 0, Fleet = new SimFleetOptions { DecodeStepMillis = DecodeMs } }, ct);
        var bUrl = b.BaseUrl.AbsoluteUri.TrimEnd('/');
        WriteUrls(urls, aUrl, bUrl);
        await WaitUntilAsync(() => b.Completed > 0, run, TimeSpan.FromSeconds(60), "B to answer a call after its URL was added to " + urls, ct);

        // 3. A dies mid-run: kill -9, with calls in flight.
        Assert.IsFalse(run.HasExited, "the run ended before A was killed (make it longer):\n" + run.Output);
        a.Kill();
        var servedByBAtKill = b.Completed;
        if (departure == Departure.RemovedFromFile)
        {
            WriteUrls(urls, bUrl);
        }

        var exit = await run.WaitForExitAsync(TimeSpan.FromMinutes(3), ct);
        TestContext.WriteLine(run.Output);

        Assert.AreEqual(0, exit, run.Output);
        Assert.IsGreaterThan(servedByBAtKill, b.Completed, "B served the calls after A died:\n" + run.Output);
        Assert.Contains($"{bUrl} joined (from {urls})", run.Output);
        if (departure == Departure.RemovedFromFile)
        {
            Assert.Contains($"{aUrl} left (removed from {urls})", run.Output);
        }
        else
        {
            // Calls that still went to the dead URL failed and were retried on B.
            Assert.IsGreaterThan(0L, Manifest(dir["fleet"]).GetProperty("llm").GetProperty("retries").GetInt64(), run.Output);
            if (expectEjection)
            {
                // llm.eject_after_failures (5) consecutive failures eject it; probes then fail every 0.5-2 s.
                Assert.Contains($"{aUrl} ejected after repeated failures", run.Output);
            }
        }

        var tasks = Manifest(dir["fleet"]).GetProperty("tasks");
        Assert.AreEqual(Tasks, tasks.GetProperty("success").GetInt32(), run.Output);
        Assert.AreEqual(0, tasks.GetProperty("failed").GetInt32(), run.Output);
        Assert.AreEqual(ranks, Manifest(dir["fleet"]).GetProperty("ranks").GetInt32());

        // The independent JS reader checks every part; the records equal the undisturbed run's, id by id.
        await KillableRun.AssertExactlyOnceAsync(dir["fleet"], Tasks, reference);
    }

    /// <summary>One rank, in-process, against one zero-latency sim-server that nothing disturbs.</summary>
    private static async Task<List<string>> ReferenceAsync(TempDir dir, CancellationToken ct)
    {
        await using var server = await SimServer.StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Host = "127.0.0.1", Port = 0, Fleet = new SimFleetOptions { ZeroLatency = true } }, ct);
        var run = await HostRun.MatrixAsync([.. Coral, "--out", dir["reference"], "--llm", server.BaseUrl.AbsoluteUri, "--set", .. Shape]);
        Assert.AreEqual(0, run.ExitCode, run.Error);
        var records = OutputRecords.Of(dir["reference"]);
        Assert.HasCount(Tasks, records);
        foreach (var record in records)
        {
            Assert.AreEqual("success", JsonDocument.Parse(record).RootElement.GetProperty("Status").GetString(), record);
        }

        return records;
    }

    private static JsonElement Manifest(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))).RootElement;

    /// <summary>Replaces the URL file atomically (write, then rename), as the fleet script does: a reader never sees half a file.</summary>
    private static void WriteUrls(string path, params string[] urls)
    {
        var temp = path + ".tmp";
        File.WriteAllLines(temp, urls);
        File.Move(temp, path, overwrite: true);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Child run, TimeSpan timeout, string what, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        while (!condition())
        {
            if (run.HasExited)
            {
                Assert.Fail($"the run ended while waiting for {what}:\n{run.Output}");
            }

            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                Assert.Fail($"waited {timeout} for {what}:\n{run.Output}");
            }
        }
    }

    [GeneratedRegex(@"listening on (http://\S+/v1)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"\] ([1-9]\d*)/\d+ done")]
    private static partial Regex SomeDone();

    /// <summary>A child process whose stdout and stderr lines are collected as they come, and watched for a pattern.</summary>
    private sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly List<(Regex Pattern, TaskCompletionSource<string> Found)> _watches = [];
        private readonly Task _pumps;

        public Child(string file, IEnumerable<string> args)
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment["TERM"] = "dumb";
            Description = file + " " + string.Join(' ', info.ArgumentList);
            _process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + Description);
            _pumps = Task.WhenAll(PumpAsync(_process.StandardOutput), PumpAsync(_process.StandardError));
        }

        public string Description { get; }

        public bool HasExited => _process.HasExited;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        /// <summary>The first group of the first line (seen so far or later) that matches <paramref name="pattern"/>.</summary>
        public async Task<string> WaitForLineAsync(Regex pattern, TimeSpan timeout, string what, CancellationToken ct)
        {
            var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_output)
            {
                if (pattern.Match(_output.ToString()) is { Success: true } m)
                {
                    return m.Groups[1].Value;
                }

                _watches.Add((pattern, found));
            }

            var done = await Task.WhenAny(found.Task, _pumps, Task.Delay(timeout, ct));
            if (done == found.Task)
            {
                return await found.Task;
            }

            ct.ThrowIfCancellationRequested();
            Assert.Fail(done == _pumps
                ? $"{Description} ended while waiting for {what}:\n{Output}"
                : $"waited {timeout} for {what} from {Description}:\n{Output}");
            return string.Empty;
        }

        public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken ct)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(timeout);
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
                await _pumps;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                Assert.Fail($"{Description} did not end within {timeout}:\n{Output}");
            }

            return _process.ExitCode;
        }

        /// <summary>kill -9 of the process itself.</summary>
        public void Kill() => _process.Kill(entireProcessTree: false);

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }

            _process.Dispose();
        }

        private async Task PumpAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                    for (var i = _watches.Count - 1; i >= 0; i--)
                    {
                        if (_watches[i].Pattern.Match(line) is { Success: true } m)
                        {
                            _watches[i].Found.TrySetResult(m.Groups[1].Value);
                            _watches.RemoveAt(i);
                        }
                    }
                }
            }
        }
    }
}
