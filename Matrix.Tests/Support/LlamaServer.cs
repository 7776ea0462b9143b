using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Matrix.Tests.Support;

/// <summary>
/// llama.cpp's llama-server as a real child process serving the tiny random-weight model that
/// tools/ci/install-llama-server.sh builds (test.sh exports its MATRIX_LLAMA_* variables). Starts on a
/// free port, waits (bounded) for <c>/health</c> to answer 200, can be killed -9 and restarted on the
/// same port, and is killed at dispose. See docs/real-llm-testing.md.
/// </summary>
internal sealed class LlamaServer : IAsyncDisposable
{
    /// <summary>Longest wait for <c>/health</c> after a start (loading the tiny model takes about a second).</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private const int LogLines = 200;

    private static readonly ConcurrentDictionary<int, Process> Running = new();

    private readonly LlamaSetup _setup;
    private readonly int _parallel;
    private readonly int _slotContext;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private Process? _process;

    static LlamaServer() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var p in Running.Values)
        {
            try
            {
                p.Kill();
            }
            catch (InvalidOperationException)
            {
            }
        }
    };

    private LlamaServer(LlamaSetup setup, int port, int parallel, int slotContext)
    {
        _setup = setup;
        Port = port;
        _parallel = parallel;
        _slotContext = slotContext;
    }

    public int Port { get; }

    /// <summary>The OpenAI-style base URL, <c>http://127.0.0.1:P/v1</c>.</summary>
    public Uri BaseUrl => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/v1");

    /// <summary>The server's last log lines, for assertion messages.</summary>
    public string Log => string.Join('\n', _log);

    /// <summary>
    /// Starts a server with <paramref name="parallel"/> slots of <paramref name="slotContext"/> tokens each on a free
    /// port and waits until it is healthy (a prompt longer than a slot's context is refused).
    /// </summary>
    public static async Task<LlamaServer> StartAsync(int parallel = 8, int slotContext = 32768)
    {
        var server = new LlamaServer(LlamaSetup.Require(), HostRun.ClosedPort(), parallel, slotContext);
        try
        {
            await server.StartProcessAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>kill -9 of the server process; returns once it has exited.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } p)
        {
            return;
        }

        _process = null;
        Running.TryRemove(p.Id, out _);
        try
        {
            p.Kill(); // SIGKILL on Linux
        }
        catch (InvalidOperationException)
        {
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(timeout.Token);
        p.Dispose();
    }

    /// <summary>Starts the server again on the same port (after <see cref="KillAsync"/>).</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        await StartProcessAsync();
    }

    /// <summary>A counter from <c>/metrics</c> (without the <c>llamacpp:</c> prefix), e.g. <c>tokens_predicted_total</c>; 0 while unreachable.</summary>
    public async Task<double> MetricAsync(string name)
    {
        try
        {
            var text = await _http.GetStringAsync(new Uri(BaseUrl, "/metrics"));
            var prefix = "llamacpp:" + name + " ";
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
            return line is null ? 0 : double.Parse(line[prefix.Length..], CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            return 0;
        }
        catch (TaskCanceledException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _http.Dispose();
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(_setup.Server)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args =
        [
            "-m", _setup.Model, "--host", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture),
            "-c", (_slotContext * _parallel).ToString(CultureInfo.InvariantCulture), "--parallel", _parallel.ToString(CultureInfo.InvariantCulture),
            "-t", "1", "--jinja", "--chat-template-file", _setup.Template, "--metrics", "--alias", "tiny",
        ];
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["LD_LIBRARY_PATH"] = _setup.Libs;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {_setup.Server}");
        Running[process.Id] = process;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                Assert.Fail($"llama-server exited with {process.ExitCode} while starting on port {Port}:\n{Log}");
            }

            if (await HealthyAsync())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"llama-server on port {Port} did not answer /health with 200 within {StartTimeout}:\n{Log}");
    }

    private async Task<bool> HealthyAsync()
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(BaseUrl, "/health"));
            return response.StatusCode == HttpStatusCode.OK; // 503 while loading
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > LogLines)
        {
            _log.TryDequeue(out _);
        }
    }
}

/// <summary>Where the server, the model, the chat template and the server's libraries are (tools/ci/install-llama-server.sh's last line).</summary>
internal sealed record LlamaSetup(string Server, string Model, string Template, string Libs)
{
    private static readonly string[] Names = ["MATRIX_LLAMA_SERVER", "MATRIX_LLAMA_MODEL", "MATRIX_LLAMA_TEMPLATE", "MATRIX_LLAMA_LIBS"];

    /// <summary>The setup from the environment; missing, fails under CI (<c>CI=true</c>), else the test is inconclusive.</summary>
    public static LlamaSetup Require()
    {
        var values = Names.Select(Environment.GetEnvironmentVariable).ToArray();
        var missing = Names.Where((_, i) => string.IsNullOrEmpty(values[i]) || !Path.Exists(values[i])).ToList();
        if (missing.Count > 0)
        {
            var message = $"no llama-server: {string.Join(", ", missing)} unset or not found. Run "
                + "eval \"$(tools/ci/install-llama-server.sh | tail -1)\" and export the four MATRIX_LLAMA_* variables (test.sh does)";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message);
            }

            Assert.Inconclusive(message);
        }

        return new LlamaSetup(values[0]!, values[1]!, values[2]!, values[3]!);
    }
}
