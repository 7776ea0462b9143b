using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Matrix.Hosting.Bench;

/// <summary>
/// How the bench starts its child runs: the very executable it runs as (the single-file <c>matrix</c>, or
/// <c>dotnet matrix.dll</c>), and <c>mpiexec</c> for more than one rank.
/// </summary>
internal sealed class MatrixExecutable
{
    private MatrixExecutable(IReadOnlyList<string> self, string? mpiExec, IReadOnlyList<string> mpiFlags)
    {
        Self = self;
        MpiExec = mpiExec;
        MpiFlags = mpiFlags;
    }

    /// <summary>The command that starts this executable: one path, or <c>dotnet</c> and the entry assembly.</summary>
    public IReadOnlyList<string> Self { get; }

    /// <summary>The <c>mpiexec</c> on PATH, or null.</summary>
    public string? MpiExec { get; }

    /// <summary>Launcher flags: Open MPI's <c>--oversubscribe</c>, and <c>--allow-run-as-root</c> as root.</summary>
    public IReadOnlyList<string> MpiFlags { get; }

    public static async Task<MatrixExecutable> DetectAsync(CancellationToken cancellationToken)
    {
        var mpiExec = FindOnPath("mpiexec");
        var flags = new List<string>();
        if (mpiExec is not null && await IsOpenMpiAsync(mpiExec, cancellationToken).ConfigureAwait(false))
        {
            if (IsRoot())
            {
                flags.Add("--allow-run-as-root");
            }

            flags.Add("--oversubscribe");
        }

        return new MatrixExecutable(ResolveSelf(), mpiExec, flags);
    }

    /// <summary>The command of one child run on <paramref name="ranks"/> ranks: <c>[mpiexec flags -n R] self args</c>.</summary>
    public IReadOnlyList<string> Command(int ranks, IEnumerable<string> args)
    {
        if (ranks == 1)
        {
            return [.. Self, .. args];
        }

        var mpiExec = MpiExec ?? throw new InvalidOperationException("mpiexec is not on PATH");
        return [mpiExec, .. MpiFlags, "-n", ranks.ToString(CultureInfo.InvariantCulture), .. Self, .. args];
    }

    private static string[] ResolveSelf()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("the path of this executable is unknown");
        if (Path.GetFileNameWithoutExtension(process) != "dotnet")
        {
            return [process];
        }

        // 'dotnet matrix.dll': the host is dotnet, and the entry assembly a file in the app's directory.
        var entry = Path.Combine(AppContext.BaseDirectory, (Assembly.GetEntryAssembly()?.GetName().Name ?? "matrix") + ".dll");
        return File.Exists(entry) ? [process, entry] : throw new InvalidOperationException($"running under dotnet, but {entry} does not exist");
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>The effective uid of /proc/self/status is 0 (Open MPI refuses root without a flag).</summary>
    private static bool IsRoot()
    {
        try
        {
            var uid = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal));
            var fields = uid?.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return fields is { Length: >= 3 } ? fields[2] == "0" : Environment.UserName == "root";
        }
        catch (IOException)
        {
            return Environment.UserName == "root";
        }
    }

    /// <summary>Open MPI's mpiexec takes --oversubscribe and --allow-run-as-root; MPICH's (Hydra) does not.</summary>
    private static async Task<bool> IsOpenMpiAsync(string mpiExec, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(mpiExec) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--version");
        try
        {
            using var process = Process.Start(info);
            if (process is null)
            {
                return false;
            }

            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            var text = await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
            return text.Contains("Open MPI", StringComparison.OrdinalIgnoreCase) || text.Contains("OpenRTE", StringComparison.OrdinalIgnoreCase);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
