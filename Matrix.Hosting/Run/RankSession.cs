using Matrix.Engine.Settings;
using Matrix.Engine.Transport;
using Matrix.Hosting.Cli;
using Matrix.Mpi.Ranks;
using Matrix.Mpi.Transport;
using Microsoft.Extensions.Logging;

namespace Matrix.Hosting.Run;

/// <summary>
/// This process's place in the job: one rank on its own (no launcher: nothing to set up, no MPI library
/// needed), or one of several found through MPI and connected by the authenticated NetMQ transport.
/// </summary>
internal sealed class RankSession : IAsyncDisposable
{
    private RankSession(IRankExchange? exchange, IPeerTransport? transport)
    {
        Exchange = exchange;
        Transport = transport;
    }

    public IRankExchange? Exchange { get; }

    public IPeerTransport? Transport { get; }

    public int Rank => Exchange?.Rank ?? 0;

    public int Size => Exchange?.Size ?? 1;

    public static RankSession Single { get; } = new(null, null);

    /// <summary>
    /// Joins the job this process was launched into (MPI rank discovery, then every rank connects to every
    /// other and authenticates), or returns <see cref="Single"/> when no launcher started it.
    /// </summary>
    public static async Task<RankSession> OpenAsync(RunSettings settings, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var exchange = Launcher.Open();
        if (exchange is null)
        {
            return Single;
        }

        try
        {
            var options = TransportOptions.Default with
            {
                Secure = settings.GetBool(TransportSettings.Secure),
                BindAddress = settings.GetString(TransportSettings.Bind) ?? "*",
                AdvertiseHost = settings.GetString(TransportSettings.AdvertiseHost),
                ConnectTimeout = TimeSpan.FromSeconds(settings.GetDouble(TransportSettings.ConnectTimeout)),
                Logger = loggers.CreateLogger("Matrix.Transport"),
            };
            var transport = await NetMqPeerTransport.ConnectAsync(exchange, options, cancellationToken).ConfigureAwait(false);
            return new RankSession(exchange, transport);
        }
        catch
        {
            exchange.Dispose();
            throw;
        }
    }

    /// <summary>Every rank's contribution, in rank order; one rank gets its own back.</summary>
    public Task<byte[][]> AllgatherAsync(byte[] mine, CancellationToken cancellationToken) =>
        Exchange?.AllgatherAsync(mine, cancellationToken) ?? Task.FromResult(new[] { mine });

    public Task BarrierAsync(CancellationToken cancellationToken) =>
        Exchange?.BarrierAsync(cancellationToken) ?? Task.CompletedTask;

    public long FramesRejected => Transport?.GetStatistics().FramesRejected ?? 0;

    /// <summary>
    /// When this rank fails with an error the user must see (<see cref="HostErrors"/>) while other ranks are in the
    /// job: writes the error, then ends every rank (MPI_Abort) with its exit code. Without it the other ranks would
    /// wait at the next barrier for this one until the allocation's time limit. Returns when there is nothing to
    /// end (one rank, an in-process exchange, Ctrl+C, which reached every rank anyway, or a bug: that crashes the
    /// process, and the launcher ends the job).
    /// </summary>
    public async Task AbortJobOnErrorAsync(Exception error, HostConsole console)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (Size > 1 && Exchange is MpiRankExchange mpi && error is not OperationCanceledException
            && HostErrors.Describe(error, interrupted: false) is { } failure)
        {
            await console.Error.WriteLineAsync($"matrix: {failure.Line}").ConfigureAwait(false);
            await console.Error.WriteLineAsync($"matrix: rank {Rank} of {Size} failed: ending every rank of the job").ConfigureAwait(false);
            await console.Error.FlushAsync().ConfigureAwait(false);
            mpi.Abort(failure.ExitCode);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Transport is not null)
        {
            await Transport.DisposeAsync().ConfigureAwait(false);
        }

        Exchange?.Dispose();
        if (Transport is not null)
        {
            // Only after every socket and poller of the process is gone (NetMQConfig.Cleanup before a socket's Dispose makes that Dispose throw and abort the process).
            NetMqPeerTransport.CleanupProcess();
        }
    }
}
