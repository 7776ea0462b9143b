using System.Diagnostics;
using System.Globalization;

namespace Matrix.Tests.Support;

/// <summary>
/// The matrix executable as a real process (one rank, or <c>mpiexec -n N</c>) that a test may kill -9 after a
/// delay: how crash-and-resume tests produce a crash at a random moment.
/// </summary>
internal static class KillableRun
{
    /// <summary>
    /// Starts <paramref name="run"/> (adding <c>--resume</c> when <paramref name="outDir"/> already holds a run) and kills
    /// one rank after <paramref name="killAfter"/>; with null, lets it finish and asserts exit 0.
    /// </summary>
    public static async Task<Outcome> RunOnceAsync(IReadOnlyList<string> run, string outDir, int ranks, TimeSpan? killAfter)
    {
        var resume = File.Exists(Path.Combine(outDir, "run.json")) ? new[] { "--resume" } : [];
        string[] matrix = ["dotnet", Repo.MatrixDll, .. run, "--out", outDir, .. resume];
        var info = ranks == 1
            ? new ProcessStartInfo(matrix[0])
            : new ProcessStartInfo(Launch.MpiExec());
        if (ranks > 1)
        {
            foreach (var a in new[] { "--allow-run-as-root", "--oversubscribe", "-n", ranks.ToString(CultureInfo.InvariantCulture) })
            {
                info.ArgumentList.Add(a);
            }

            info.ArgumentList.Add(matrix[0]);
        }

        foreach (var a in matrix[1..])
        {
            info.ArgumentList.Add(a);
        }

        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.Environment["TERM"] = "dumb";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var killed = false;
        if (killAfter is { } delay)
        {
            await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(delay));
            if (!process.HasExited)
            {
                KillOneRank(process, outDir, ranks);
                killed = true;
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        if (killAfter is null)
        {
            Assert.AreEqual(0, process.ExitCode, output);
        }

        return new Outcome(killed, process.ExitCode, output);
    }

    /// <summary>Whether a rank was killed (the run was still going), the launcher's exit code, and what it printed.</summary>
    public sealed record Outcome(bool Killed, int ExitCode, string Output);

    /// <summary>Checks with the independent JS reader that every one of <paramref name="tasks"/> ids is there exactly once and every part reads.</summary>
    public static async Task AssertExactlyOnceAsync(string dir, int tasks, List<string> reference)
    {
        var check = await Repo.RunAsync("node", [Repo.Reader("check-run.mjs"), dir, tasks.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        Assert.AreEqual(0, check.ExitCode, "independent reader: " + check.Error + check.Out);
        CollectionAssert.AreEqual(reference, OutputRecords.Of(dir), "records differ from an uninterrupted run");
    }

    /// <summary>kill -9 of the rank itself (one rank) or of one MPI rank's process (MPI then ends the job).</summary>
    private static void KillOneRank(Process launcher, string outDir, int ranks)
    {
        if (ranks == 1)
        {
            launcher.Kill(entireProcessTree: false);
            return;
        }

        var children = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : -1)
            .Where(pid => pid > 0 && CommandLine(pid).Contains(outDir, StringComparison.Ordinal) && pid != launcher.Id)
            .ToList();
        if (children.Count == 0)
        {
            launcher.Kill(entireProcessTree: true);
            return;
        }

        using var victim = Process.GetProcessById(children[Random.Shared.Next(children.Count)]);
        victim.Kill(entireProcessTree: false);
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
