using System.Diagnostics;

namespace Matrix.Tests.Support;

/// <summary>The repository checkout the tests run from, and real child processes.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>The built <c>matrix</c> executable's entry assembly, copied next to the tests.</summary>
    public static string MatrixDll => Path.Combine(AppContext.BaseDirectory, "matrix.dll");

    public static string Reader(string script)
    {
        var dir = Path.Combine(Root, "tools", "arrow-reader");
        if (!Directory.Exists(Path.Combine(dir, "node_modules", "apache-arrow")))
        {
            Assert.Fail($"the independent Arrow reader is not installed: run 'npm ci' in {dir} (test.sh does)");
        }

        return Path.Combine(dir, script);
    }

    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(string file, IEnumerable<string> args, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["TERM"] = "dumb";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within {timeout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Matrix.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Matrix.sln not found above " + AppContext.BaseDirectory);
    }
}
