using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Matrix.Hosting;
using Matrix.Tests.Support;

namespace Matrix.Tests.Hosting;

/// <summary>
/// <c>matrix run --metrics-port</c>: the live Prometheus endpoint of each rank (Matrix.Hosting/Run/MetricsEndpoint.cs),
/// scraped over HTTP in-process and by a real Prometheus server from a two-rank mpiexec job.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class MetricsTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [TestMethod]
    public async Task In_process_run_serves_rank_labelled_series_mid_run_and_the_final_count_matches_the_manifest()
    {
        using var dir = new TempDir();
        var port = HostRun.ClosedPort();
        using var stop = new CancellationTokenSource();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var run = MatrixHost.RunAsync(
            ["run", "coral", "--tasks", "40", "--out", dir["out"], "--metrics-port", port.ToString(CultureInfo.InvariantCulture), "--set", "sim.decode_ms=2", "metrics.linger_seconds=600"],
            Matrix.Scenarios.BuiltInScenarios.All,
            new HostConsole(stdout, stderr, ErrorIsTerminal: false),
            stop.Token);
        try
        {
            var live = await UntilAsync(async () => await ScrapeAsync(port) is { } text && text.Contains("matrix_tasks_admitted_total", StringComparison.Ordinal) ? text : null, run);
            Assert.Contains("rank=\"0\"", live);
            Assert.Contains("matrix_queue_depth{", live);
            Assert.Contains("matrix_tasks_in_flight{", live);
            Assert.IsLessThanOrEqualTo(40, Value(live, "matrix_tasks_admitted_total"));

            var manifest = Path.Combine(dir["out"], "manifest.json");
            await UntilAsync(() => Task.FromResult(File.Exists(manifest) ? manifest : null), run);
            var tasks = JsonDocument.Parse(await File.ReadAllTextAsync(manifest)).RootElement.GetProperty("tasks");
            var end = (await ScrapeAsync(port))!;
            Assert.AreEqual(tasks.GetProperty("success").GetInt64(), Value(end, "matrix_tasks_succeeded_total"), end);
            Assert.AreEqual(tasks.GetProperty("admitted").GetInt64(), Value(end, "matrix_tasks_admitted_total"), end);
            Assert.AreEqual(0, Value(end, "matrix_tasks_in_flight"), end);
            Assert.IsGreaterThan(0, Value(end, "matrix_hops_total"), end);
        }
        finally
        {
            await stop.CancelAsync();
        }

        Assert.AreEqual(0, await run, stderr.ToString());
    }

    [TestMethod]
    public async Task Metrics_port_in_use_is_a_one_line_usage_error()
    {
        using var dir = new TempDir();
        var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        try
        {
            var port = ((IPEndPoint)taken.LocalEndpoint).Port;
            var run = await HostRun.MatrixAsync("run", "coral", "--tasks", "2", "--out", dir["out"], "--metrics-port", port.ToString(CultureInfo.InvariantCulture));
            Assert.AreEqual(2, run.ExitCode, run.Error);
            Assert.HasCount(1, run.ErrorLines, run.Error);
            Assert.Contains("--metrics-port", run.Error);
        }
        finally
        {
            taken.Stop();
        }
    }

    [TestMethod]
    [TestCategory("cluster")]
    public async Task Real_prometheus_scrapes_both_ranks_of_an_mpiexec_job_and_sums_their_counts()
    {
        using var dir = new TempDir();
        // Rank r serves on basePort + r: both must be free (a taken port fails that rank alone).
        var basePort = FreePortPair();
        var info = new ProcessStartInfo(Launch.MpiExec())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["--allow-run-as-root", "--oversubscribe", "-n", "2", "dotnet", Repo.MatrixDll, "run", "coral", "--tasks", "60", "--out", dir["out"],
            "--metrics-port", basePort.ToString(CultureInfo.InvariantCulture), .. Launch.LoopbackSettings, "sim.decode_ms=2", "metrics.linger_seconds=600"])
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["TERM"] = "dumb";
        using var job = Process.Start(info)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        job.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        job.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        job.BeginOutputReadLine();
        job.BeginErrorReadLine();
        try
        {
            using var prometheus = new PrometheusServer([$"127.0.0.1:{basePort}", $"127.0.0.1:{basePort + 1}"], [basePort, basePort + 1]);
            var exited = job.WaitForExitAsync();
            var manifest = Path.Combine(dir["out"], "manifest.json");
            await UntilAsync(() => Task.FromResult(File.Exists(manifest) ? manifest : null), exited, () => string.Join('\n', output));
            var success = JsonDocument.Parse(await File.ReadAllTextAsync(manifest)).RootElement.GetProperty("tasks").GetProperty("success").GetInt64();
            Assert.IsGreaterThan(0, success);

            // Both ranks' final series, summed by Prometheus, equal the manifest's count.
            var ranks = await UntilAsync(async () => await prometheus.QueryAsync("sum by (rank) (matrix_tasks_admitted_total)") is { Count: 2 } r ? r : null, exited, () => string.Join('\n', output));
            CollectionAssert.AreEquivalent(new[] { "0", "1" }, ranks.Select(r => r.Labels["rank"]).ToArray());
            await UntilAsync(async () => await prometheus.QueryAsync("sum(matrix_tasks_succeeded_total)") is [var s] && (long)s.Value == success ? "ok" : null, exited, () => string.Join('\n', output));

            // The transport's series of both ranks; nothing outside the job connected, and the ranks' own connections never count.
            var handshakes = await UntilAsync(async () => await prometheus.QueryAsync("sum by (rank) (matrix_transport_handshake_failures_total)") is { Count: 2 } r ? r : null, exited, () => string.Join('\n', output));
            Assert.IsTrue(handshakes.All(r => r.Value == 0), string.Join(", ", handshakes.Select(r => $"rank {r.Labels["rank"]}: {r.Value}")));
        }
        finally
        {
            if (!job.HasExited)
            {
                job.Kill(entireProcessTree: true);
            }

            await job.WaitForExitAsync();
        }
    }

    private static int FreePortPair()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = HostRun.ClosedPort();
            try
            {
                using var next = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, port + 1);
                next.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 50)
            {
            }
        }
    }

    private static async Task<string?> ScrapeAsync(int port)
    {
        try
        {
            return await Http.GetStringAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/metrics")));
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>The value of the rank 0 series named <paramref name="name"/> in a scrape.</summary>
    private static double Value(string scrape, string name)
    {
        var line = scrape.Split('\n').FirstOrDefault(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains("rank=\"0\"", StringComparison.Ordinal))
            ?? throw new AssertFailedException($"no {name} in:\n{scrape}");
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>Polls until <paramref name="probe"/> returns a value; fails if the run ends first or after two minutes.</summary>
    private static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, Task run, Func<string>? context = null)
        where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (run.IsCompleted)
            {
                Assert.Fail("the run ended before the metrics showed it: " + context?.Invoke());
            }

            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                Assert.Fail("not seen within 2 minutes: " + context?.Invoke());
            }

            await Task.Delay(100);
        }
    }
}
