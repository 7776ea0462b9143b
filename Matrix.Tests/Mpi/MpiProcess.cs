using System.Diagnostics;

namespace Matrix.Tests.Mpi;

/// <summary>Starts the MPI probe as real processes, under Open MPI's mpiexec or alone.</summary>
internal static class MpiProcess
{
    public const string InstallHint = "run tools/ci/install-mpi.sh (CI installs OpenMPI with it before the tests)";

    private static readonly string[] LauncherPrefixes = ["SLURM_", "OMPI_", "PMI_", "PMIX_", "PRTE_", "HYDRA_"];

    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(3);

    /// <summary>The probe's entry assembly, copied next to the tests by the ProjectReference.</summary>
    public static string ProbeDll
    {
        get
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "MpiProbe.dll");
            if (!File.Exists(dll))
            {
                Assert.Fail($"{dll} is missing: Matrix.Tests must reference tools/MpiProbe/MpiProbe.csproj");
            }

            return dll;
        }
    }

    /// <summary>Open MPI's mpiexec from PATH; fails the test (never skips it) when it is not installed.</summary>
    public static async Task<string> MpiexecAsync()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "mpiexec"))
            .FirstOrDefault(File.Exists);
        if (found is null)
        {
            Assert.Fail($"mpiexec is not installed: {InstallHint}");
        }

        var version = await RunAsync(found, ["--version"]);
        if (!version.Out.Contains("Open MPI", StringComparison.Ordinal) && !version.Out.Contains("OpenRTE", StringComparison.Ordinal))
        {
            Assert.Fail($"{found} is not Open MPI's mpiexec ({version.Out.Trim()}{version.Error.Trim()}): the MPI tests need openmpi-bin: {InstallHint}");
        }

        return found;
    }

    /// <summary>
    /// <c>mpiexec -n <paramref name="ranks"/> [env VAR=value ...] dotnet MpiProbe.dll</c>; the variables
    /// in <paramref name="rankEnvironment"/> reach the ranks only, not mpiexec itself.
    /// </summary>
    public static async Task<ProcessResult> MpiexecProbeAsync(int ranks, params string[] rankEnvironment)
    {
        var mpiexec = await MpiexecAsync();
        List<string> args = ["--allow-run-as-root", "--oversubscribe", "-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (rankEnvironment.Length > 0)
        {
            args.Add("env");
            args.AddRange(rankEnvironment);
        }

        args.AddRange(["dotnet", ProbeDll]);
        return await RunAsync(mpiexec, args);
    }

    /// <summary>The probe with no launcher at all (and none of the launchers' variables inherited).</summary>
    public static Task<ProcessResult> ProbeAloneAsync() => RunAsync("dotnet", [ProbeDll]);

    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> args)
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

        // Hermetic: a test run inside an srun/mpiexec job must not make the probe think it is a rank of it.
        foreach (var key in info.Environment.Keys.Where(k => LauncherPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["TERM"] = "dumb";

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(HangGuard);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', args)} did not finish within {HangGuard}: a rank hangs");
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }
}

internal sealed record ProcessResult(int ExitCode, string Out, string Error)
{
    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}
