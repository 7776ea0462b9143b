using System.Diagnostics.Metrics;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Http;
using Matrix.Engine.Llm.Pools;
using Matrix.Engine.Runtime;
using Matrix.Engine.Transport;

namespace Matrix.Engine.Metrics;

/// <summary>
/// One rank's live metrics as <see cref="System.Diagnostics.Metrics"/> instruments on a <see cref="Meter"/> named
/// <see cref="MeterName"/>, for any listener (Matrix.Hosting exports them to Prometheus on <c>--metrics-port</c>).
/// </summary>
/// <remarks>
/// Every instrument is observable: its callback reads counters the run keeps anyway (<see cref="EngineCounters"/>,
/// <see cref="LlmCounters"/>, the lock-free latency histograms of Matrix.Engine/Runtime/LatencyHistogram.cs, the
/// Dataflow blocks' <c>InputCount</c>, the endpoints' in-flight counts, the transport's statistics) when a listener
/// collects, i.e. at a scrape. Nothing is recorded per hop or per task: the engine's hot path does not change.
/// Every measurement carries the tag <c>rank</c>.
/// </remarks>
public sealed class EngineMetrics : IDisposable
{
    public const string MeterName = "Matrix";

    private static readonly double[] Quantiles = [0.5, 0.9, 0.99];
    private readonly Meter _meter;
    private readonly KeyValuePair<string, object?> _rank;
    private readonly ITaskScheduler _engine;
    private readonly LlmCounters? _llm;
    private readonly IReadOnlyList<LlmPool> _pools;
    private readonly IPeerTransport? _transport;

    public EngineMetrics(int rank, ITaskScheduler engine, LlmCounters? llm = null, IReadOnlyList<LlmPool>? pools = null, IPeerTransport? transport = null)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _llm = llm;
        _pools = pools ?? [];
        _transport = transport;
        _rank = new("rank", rank);
        _meter = new Meter(MeterName);
        var counters = engine.Counters;

        Counter("matrix.tasks.admitted", () => counters.Admitted, "Tasks admitted on this rank.");
        Counter("matrix.tasks.succeeded", () => counters.Succeeded, "Tasks finished with status success.");
        Counter("matrix.tasks.filtered", () => counters.Filtered, "Tasks finished with status filtered.");
        Counter("matrix.tasks.failed", () => counters.Failed, "Tasks finished with status failed.");
        Counter("matrix.tasks.skipped", () => counters.Skipped, "Tasks not admitted because they already have a record (--resume).");
        Counter("matrix.hops", () => counters.Hops, "Agent steps taken.");
        _meter.CreateObservableCounter("matrix.tokens", () => new Measurement<long>[]
        {
            new(counters.PromptTokens, _rank, new("kind", "prompt")),
            new(counters.CompletionTokens, _rank, new("kind", "completion")),
        }, description: "Tokens of finished tasks (kind: prompt, completion), as the manifest counts them.");
        Gauge("matrix.tasks.in_flight", () => counters.InFlight, "Tasks admitted and not yet written.");
        _meter.CreateObservableGauge("matrix.queue.depth", QueueDepths, description: "Orchestrators waiting in each role's Dataflow block (role _sink: the sink's).");

        if (llm is not null)
        {
            Counter("matrix.llm.requests", () => llm.Requests, "LLM calls started.");
            Counter("matrix.llm.retries", () => llm.Retries, "LLM attempts repeated after a transient error.");
            Counter("matrix.llm.failures", () => llm.Failures, "LLM calls that failed for good.");
            Counter("matrix.llm.malformed_retried", () => llm.Malformed, "200 answers that were not a complete chat completion (each retried).");
            Counter("matrix.llm.context_length_refusals", () => llm.ContextLengthRefusals, "LLM calls refused because the prompt does not fit the context.");
            Counter("matrix.llm.endpoint_ejections", () => llm.Ejections, "Times an endpoint was ejected from its pool.");
        }

        _meter.CreateObservableGauge("matrix.llm.endpoint.in_flight", () => Endpoints(e => e.InFlight), description: "LLM calls in flight per endpoint (tags pool, endpoint).");
        _meter.CreateObservableGauge("matrix.llm.endpoint.up", () => Endpoints(e => e.IsAvailable ? 1 : 0), description: "1 while an endpoint takes calls, 0 while it is ejected (tags pool, endpoint).");

        _meter.CreateObservableGauge("matrix.hop.latency.seconds", () => Percentiles(_engine.LiveLatency().Hops), description: "Hop latency quantiles since the start (quantile 0.5, 0.9, 0.99).");
        _meter.CreateObservableGauge("matrix.task.latency.seconds", () => Percentiles(_engine.LiveLatency().Tasks), description: "Task latency (admission to sink) quantiles since the start.");
        Counter("matrix.tasks.timed", () => _engine.LiveLatency().Tasks.Count, "Tasks timed from admission to sink (the count behind the task latency quantiles).");
        _meter.CreateObservableCounter("matrix.task.seconds", () => new Measurement<double>(_engine.LiveLatency().TaskNanoseconds / 1e9, _rank), description: "Σ task latency in seconds (over matrix.tasks.timed: the mean).");

        if (transport is not null)
        {
            _meter.CreateObservableCounter("matrix.transport.bytes", TransportBytes, description: "Payload bytes exchanged with peer ranks (direction: sent, received).");
            Counter("matrix.transport.frames", () => transport.GetStatistics().Frames, "Frames sent to peer ranks.");
            Counter("matrix.transport.frames_rejected", () => transport.GetStatistics().FramesRejected, "Frames dropped unparsed (unauthenticated, bad MAC, malformed).");
            Counter("matrix.transport.handshake_failures", () => transport.GetStatistics().HandshakeFailures, "Connections to this rank that closed without completing the handshake.");
        }
    }

    /// <summary>The meter, for a host that adds instruments of its own (the content store's, for instance).</summary>
    public Meter Meter => _meter;

    /// <summary>The <c>rank</c> tag every measurement carries.</summary>
    public KeyValuePair<string, object?> RankTag => _rank;

    public void Dispose() => _meter.Dispose();

    private void Counter(string name, Func<long> read, string description) =>
        _meter.CreateObservableCounter(name, () => new Measurement<long>(read(), _rank), description: description);

    private void Gauge(string name, Func<long> read, string description) =>
        _meter.CreateObservableGauge(name, () => new Measurement<long>(read(), _rank), description: description);

    private IEnumerable<Measurement<int>> QueueDepths() =>
        _engine.QueueDepths().Select(q => new Measurement<int>(q.Value, _rank, new("role", q.Key)));

    private IEnumerable<Measurement<int>> Endpoints(Func<LlmEndpoint, int> read)
    {
        foreach (var pool in _pools)
        {
            if (pool.Client is OpenAiHttpClient http)
            {
                foreach (var endpoint in http.Endpoints)
                {
                    yield return new Measurement<int>(read(endpoint), _rank, new("pool", pool.Name), new("endpoint", endpoint.BaseUrl));
                }
            }
        }
    }

    private IEnumerable<Measurement<double>> Percentiles(LatencyHistogramSnapshot histogram) =>
        histogram.Count == 0
            ? []
            : Quantiles.Select(q => new Measurement<double>(histogram.Percentile(q) / 1e9, _rank, new("quantile", q.ToString(System.Globalization.CultureInfo.InvariantCulture))));

    private IEnumerable<Measurement<long>> TransportBytes()
    {
        var peers = _transport!.GetStatistics().Peers;
        return
        [
            new(peers.Sum(p => p.BytesSent), _rank, new("direction", "sent")),
            new(peers.Sum(p => p.BytesReceived), _rank, new("direction", "received")),
        ];
    }
}
