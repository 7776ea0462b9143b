using System.Diagnostics.Metrics;
using System.Globalization;
using Matrix.Engine.Metrics;
using Matrix.Hosting.Cli;
using Matrix.Store.Content;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Matrix.Hosting.Run;

/// <summary>
/// Serves one rank's <see cref="EngineMetrics"/> to Prometheus over HTTP (<c>GET /metrics</c>) with
/// OpenTelemetry's HttpListener exporter, from the moment the rank is known to the end of the run.
/// </summary>
/// <remarks>
/// Each rank serves its own port, the base port plus its local rank (its index among the ranks of its node),
/// since ranks sharing a node would otherwise collide. Prometheus scrapes every rank and sums across ranks with
/// <c>sum by</c>: the job itself keeps no central aggregation (no traffic between ranks for metrics, and a
/// rank that dies stops its own series only).
/// </remarks>
internal sealed class MetricsEndpoint : IAsyncDisposable
{
    private static readonly string[] LocalRankVariables = ["OMPI_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID", "MPI_LOCALRANKID"];
    private readonly MeterProvider _provider;
    private readonly TimeSpan _linger;
    private readonly CancellationToken _cancellationToken;
    private EngineMetrics? _metrics;
    private FasterContentStore? _store;
    private ContentStoreStatistics? _storeFinal;
    private bool _ended;

    private MetricsEndpoint(MeterProvider provider, int port, TimeSpan linger, CancellationToken cancellationToken)
    {
        _provider = provider;
        Port = port;
        _linger = linger;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The port this rank serves.</summary>
    public int Port { get; }

    /// <summary>
    /// Starts serving on <paramref name="basePort"/> + the local rank, or returns null when the port is 0 (off).
    /// A port that cannot be bound is a usage error.
    /// </summary>
    public static MetricsEndpoint? Start(int basePort, int rank, TimeSpan linger, CancellationToken cancellationToken)
    {
        if (basePort == 0)
        {
            return null;
        }

        var port = basePort + LocalRank(rank);
        if (port > 65535)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--metrics-port {basePort}: local rank's port {port} is above 65535"));
        }

        try
        {
            var provider = Sdk.CreateMeterProviderBuilder()
                .AddMeter(EngineMetrics.MeterName)
                .AddPrometheusHttpListener(o =>
                {
                    o.Port = port;
                    o.ConfigureHttpListener = (_, listener) =>
                    {
                        // Every interface (the option Host takes a host name only): Prometheus scrapes the ranks from another node.
                        listener.Prefixes.Clear();
                        listener.Prefixes.Add(string.Create(CultureInfo.InvariantCulture, $"http://+:{port}/"));
                    };
                })
                .Build();
            return new MetricsEndpoint(provider, port, linger, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--metrics-port: rank {rank} cannot serve metrics on port {port} ({(e.InnerException ?? e).Message})"));
        }
    }

    /// <summary>The rank's position on its node, from the launcher (OpenMPI, Slurm, MPICH/Intel MPI); else its rank.</summary>
    public static int LocalRank(int rank)
    {
        foreach (var name in LocalRankVariables)
        {
            if (int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var local))
            {
                return local;
            }
        }

        return rank;
    }

    /// <summary>Exports <paramref name="metrics"/> until this endpoint is disposed, which disposes them.</summary>
    public void Observe(EngineMetrics metrics, FasterContentStore? store)
    {
        _metrics = metrics;
        _store = store;
        if (store is not null)
        {
            metrics.Meter.CreateObservableGauge("matrix.store.bytes", StoreBytes, description: "Content store: bytes stored (kind stored) and log bytes on disk (kind disk).");
        }
    }

    /// <summary>The run ended normally: the store's last figures are kept (it closes first) and disposing waits the linger.</summary>
    public void RunEnded()
    {
        _storeFinal = _store?.Statistics;
        _ended = true;
    }

    private IEnumerable<Measurement<long>> StoreBytes()
    {
        ContentStoreStatistics statistics;
        try
        {
            statistics = _storeFinal ?? _store!.Statistics;
        }
        catch (ObjectDisposedException)
        {
            yield break;
        }

        yield return new Measurement<long>(statistics.BytesStored, _metrics!.RankTag, new("kind", "stored"));
        yield return new Measurement<long>(statistics.LogDiskBytes, _metrics!.RankTag, new("kind", "disk"));
    }

    public async ValueTask DisposeAsync()
    {
        if (_ended && _linger > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(_linger, _cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C ends the linger: the run's output is complete already.
            }
        }

        _provider.Dispose();
        _metrics?.Dispose();
    }
}
