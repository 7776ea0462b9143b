using System.Diagnostics;

namespace Matrix.Hosting.Bench;

/// <summary>How a child process ended: its exit code (null when it was killed), its wall time and the last lines it wrote.</summary>
internal sealed record ChildOutcome(int? ExitCode, TimeSpan Wall, IReadOnlyList<string> LastErrorLines, IReadOnlyList<string> LastOutputLines, bool TimedOut);

/// <summary>
/// Runs one child process to its end: <c>TERM=dumb</c>, no inherited launcher variables (a child on one
/// rank must not take the bench's own srun/mpiexec environment for its own), both streams drained, and
/// the whole process tree killed on timeout or interruption.
/// </summary>
internal static class ChildRun
{
    /// <summary>Lines of each stream kept for the report (a failed run's last words).</summary>
    private const int KeptLines = 30;

    /// <summary>Prefixes of the variables by which srun, mpiexec and PMIx tell a process it is a rank.</summary>
    private static readonly string[] LauncherVariables = ["OMPI_", "PMI_", "PMIX_", "SLURM_", "MPI_LOCALRANKID", "MPI_LOCALNRANKS", "HYDRA_"];

    public static async Task<ChildOutcome> RunAsync(IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var name in info.Environment.Keys.Where(k => LauncherVariables.Any(p => k.StartsWith(p, StringComparison.Ordinal))).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["TERM"] = "dumb";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {command[0]}");
        process.StandardInput.Close();
        var stdout = TailAsync(process.StandardOutput);
        var stderr = TailAsync(process.StandardError);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            timedOut = true;
        }

        var errorLines = await stderr.ConfigureAwait(false);
        var outputLines = await stdout.ConfigureAwait(false);
        clock.Stop();
        return new ChildOutcome(timedOut ? null : process.ExitCode, clock.Elapsed, errorLines, outputLines, timedOut);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // It ended in between.
        }
    }

    /// <summary>Reads a stream to its end and keeps its last lines (a run's progress log can be long).</summary>
    private static async Task<IReadOnlyList<string>> TailAsync(StreamReader reader)
    {
        var lines = new Queue<string>();
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (lines.Count == KeptLines)
            {
                lines.Dequeue();
            }

            lines.Enqueue(line);
        }

        return [.. lines];
    }
}
