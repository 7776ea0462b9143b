using Matrix.Hosting.Cli;
using Matrix.Mpi.Ranks;

namespace Matrix.Hosting.Commands;

/// <summary><c>matrix ranks</c>: the quickest way to see that srun or mpiexec starts the ranks you expect.</summary>
internal static class RanksCommand
{
    public static async Task<int> ExecuteAsync(HostConsole console, CancellationToken cancellationToken)
    {
        using var exchange = Launcher.Open(out var kind);
        if (exchange is null)
        {
            await console.Out.WriteLineAsync("1 rank: no launcher (srun or mpiexec) started this process").ConfigureAwait(false);
            return ExitCodes.Success;
        }

        var report = await RankReport.DescribeAsync(exchange, cancellationToken).ConfigureAwait(false);
        if (exchange.Rank == 0)
        {
            await console.Out.WriteLineAsync($"{report.TrimEnd()}\nlauncher: {kind}, MPI: {exchange.LibraryVersion} ({exchange.LibraryFile}), thread level {exchange.ThreadLevel}").ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }
}
