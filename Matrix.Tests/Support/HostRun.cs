using System.Net;
using System.Net.Sockets;
using Matrix.Engine.Scenarios;
using Matrix.Hosting;

namespace Matrix.Tests.Support;

/// <summary>Runs the host entry point in-process with captured output, as the executable would.</summary>
internal sealed record HostRun(int ExitCode, string Out, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static async Task<HostRun> RunAsync(IReadOnlyList<Scenario> scenarios, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await MatrixHost.RunAsync(args, scenarios, new HostConsole(stdout, stderr, ErrorIsTerminal: false));
        return new HostRun(code, stdout.ToString(), stderr.ToString());
    }

    public static Task<HostRun> MatrixAsync(params string[] args) => RunAsync(Matrix.Scenarios.BuiltInScenarios.All, args);

    /// <summary>A port on 127.0.0.1 that nothing listens on (bound, read, released).</summary>
    public static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>A temporary directory removed at dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "matrix-tests", Guid.NewGuid().ToString("N"));

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
