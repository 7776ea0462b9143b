using Polly;
using Polly.CircuitBreaker;

namespace Matrix.Engine.Llm.Http;

/// <summary>
/// One server URL of a pool and its health. Consecutive failures (connection errors, timeouts, 5xx, malformed
/// answers; not 429, which a loaded but live server sends) open a Polly circuit breaker: the endpoint is ejected for
/// a cooldown that doubles with every failed probe, up to a cap; when the cooldown ends, the next call through it is
/// the probe that decides (success closes the circuit, failure ejects it again). Thread-safe.
/// </summary>
internal sealed class LlmEndpoint
{
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly TimeProvider _time;
    private long _openUntilTicks;
    private int _inFlight;

    public LlmEndpoint(string baseUrl, HttpLlmOptions options, TimeProvider time, Action<LlmEndpoint, EndpointEvent, TimeSpan> onEvent)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(onEvent);
        BaseUrl = baseUrl;
        Completions = new Uri(baseUrl + "/chat/completions");
        Models = new Uri(baseUrl + "/models");
        Key = Sim.StableHash.Of(baseUrl);
        _time = time;
        var cooldown = options.EjectCooldown;
        var maxCooldown = options.MaxEjectCooldown < cooldown ? cooldown : options.MaxEjectCooldown;
        Pipeline = new ResiliencePipelineBuilder<AttemptResult> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<AttemptResult>
            {
                // Every call in the window failed, and at least this many: consecutive failures in practice.
                FailureRatio = 1.0,
                MinimumThroughput = Math.Max(2, options.EjectAfterFailures),
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(30, options.RequestTimeout.TotalSeconds * 2)),
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Result.Kind == AttemptKind.EndpointFailure || args.Outcome.Exception is not null and not OperationCanceledException),
                BreakDurationGenerator = args => ValueTask.FromResult(Cooldown(cooldown, maxCooldown, args.HalfOpenAttempts)),
                StateProvider = _state,
                OnOpened = args =>
                {
                    Interlocked.Exchange(ref _openUntilTicks, (_time.GetUtcNow() + args.BreakDuration).UtcTicks);
                    onEvent(this, EndpointEvent.Ejected, args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    Interlocked.Exchange(ref _openUntilTicks, 0);
                    onEvent(this, EndpointEvent.Recovered, TimeSpan.Zero);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public string BaseUrl { get; }

    public Uri Completions { get; }

    public Uri Models { get; }

    /// <summary>A stable hash of the URL, for rendezvous routing.</summary>
    public ulong Key { get; }

    /// <summary>The circuit breaker every call to this endpoint goes through.</summary>
    public ResiliencePipeline<AttemptResult> Pipeline { get; }

    /// <summary>Calls to this endpoint in flight now (a removed endpoint drains them).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>When an ejected endpoint may take its probe call; null while it is healthy.</summary>
    public DateTimeOffset? EjectedUntil
    {
        get
        {
            var ticks = Interlocked.Read(ref _openUntilTicks);
            return ticks == 0 || _state.CircuitState is CircuitState.Closed ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Whether a call may go here now: healthy, or ejected with its cooldown over (the call is then the probe).</summary>
    public bool IsAvailable => EjectedUntil is not { } until || _time.GetUtcNow() >= until;

    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Leave() => Interlocked.Decrement(ref _inFlight);

    /// <summary>The cooldown after <paramref name="failedProbes"/> probes failed: doubles each time, capped.</summary>
    public static TimeSpan Cooldown(TimeSpan first, TimeSpan max, int failedProbes)
    {
        var factor = Math.Pow(2, Math.Min(failedProbes, 30));
        var ticks = Math.Min(max.Ticks, first.Ticks * factor);
        return TimeSpan.FromTicks((long)ticks);
    }

    public override string ToString() => BaseUrl;
}

/// <summary>What an endpoint reports to its pool (for logs and counters).</summary>
internal enum EndpointEvent
{
    Ejected,
    Recovered,
}
