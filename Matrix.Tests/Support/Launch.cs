namespace Matrix.Tests.Support;

/// <summary>Real multi-rank runs: the matrix executable under mpiexec or srun, as a user starts it.</summary>
internal static class Launch
{
    /// <summary>Settings every multi-rank test run uses: loopback only, zero-latency simulated LLM.</summary>
    public static readonly string[] LoopbackSettings = ["--set", "transport.advertise_host=127.0.0.1", "transport.bind=127.0.0.1"];

    public static string MpiExec()
    {
        var path = Environment.GetEnvironmentVariable("PATH")!.Split(':').Select(d => Path.Combine(d, "mpiexec")).FirstOrDefault(File.Exists);
        return path ?? throw new AssertFailedException("mpiexec is not installed: run tools/ci/install-mpi.sh (test.sh does)");
    }

    public static Task<(int ExitCode, string Out, string Error)> MpiExecAsync(int ranks, IEnumerable<string> matrixArgs, TimeSpan? timeout = null) =>
        Repo.RunAsync(
            MpiExec(),
            ["--allow-run-as-root", "--oversubscribe", "-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", Repo.MatrixDll, .. matrixArgs],
            timeout ?? TimeSpan.FromMinutes(3));

    public static Task<(int ExitCode, string Out, string Error)> SrunAsync(int ranks, IEnumerable<string> matrixArgs, TimeSpan? timeout = null)
    {
        if (Environment.GetEnvironmentVariable("SLURM_CONF") is null)
        {
            throw new AssertFailedException("no local Slurm: run eval \"$(tools/ci/slurm-up.sh | tail -1)\" first (test.sh does)");
        }

        return Repo.RunAsync(
            "srun",
            ["-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "--mpi=pmix", "dotnet", Repo.MatrixDll, .. matrixArgs],
            timeout ?? TimeSpan.FromMinutes(3));
    }
}
