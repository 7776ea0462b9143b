using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Matrix.Tests.Support;

/// <summary>
/// A real Prometheus server (tools/ci/install-prometheus.sh installs it) started by hand with a temporary config
/// and storage, scraping the given targets every second; queried through its HTTP API; killed at dispose.
/// </summary>
internal sealed class PrometheusServer : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly Process _process;
    private readonly TempDir _dir = new();

    public PrometheusServer(IEnumerable<string> targets, ICollection<int>? avoidPorts = null)
    {
        var binary = Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(d => Path.Combine(d, "prometheus")).FirstOrDefault(File.Exists)
            ?? throw new AssertFailedException("prometheus is not installed: run tools/ci/install-prometheus.sh (test.sh does)");
        // Not one of the ports the job's ranks serve metrics on (free ports come out of the OS close together).
        do
        {
            Port = HostRun.ClosedPort();
        }
        while (avoidPorts?.Contains(Port) == true);
        var list = string.Join(", ", targets.Select(t => $"'{t}'"));
        File.WriteAllText(_dir["prometheus.yml"], $"global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: matrix\n    static_configs:\n      - targets: [{list}]\n");
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--config.file=" + _dir["prometheus.yml"]);
        info.ArgumentList.Add("--storage.tsdb.path=" + _dir["data"]);
        info.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--web.listen-address=127.0.0.1:{Port}"));
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start prometheus");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    /// <summary>The result vector of an instant query (empty while Prometheus is starting or has no sample yet).</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string promql)
    {
        try
        {
            var json = await Http.GetStringAsync(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/api/v1/query?query={Uri.EscapeDataString(promql)}")));
            var result = JsonDocument.Parse(json).RootElement.GetProperty("data").GetProperty("result");
            return [.. result.EnumerateArray().Select(r => (
                (IReadOnlyDictionary<string, string>)r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))];
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        _dir.Dispose();
    }
}
