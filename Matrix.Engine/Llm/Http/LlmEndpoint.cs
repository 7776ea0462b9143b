using Polly;
using Polly.CircuitBreaker;

namespace Matrix.Engine.Llm.Http;

/// <summary>
/// One server URL of a pool and its health. <see cref="HttpLlmOptions.EjectAfterFailures"/> consecutive failures
/// (connection errors, timeouts, 502/503/504, malformed answers; not 429 or 500, which a live server sends) open a Polly
/// circuit breaker: the endpoint is ejected for a cooldown that doubles with every failed probe, up to a cap; when the
/// cooldown ends, the next call through it is the probe that decides (success closes the circuit, failure ejects it
/// again). Thread-safe.
/// </summary>
/// <remarks>
/// Polly 8's breaker judges a failure ratio over a sampling window, so a server that served for an hour and then
/// died would keep its earlier successes in the window and never be ejected. It is therefore fed consecutive failures:
/// this class counts them (any answer from the server resets the count) and reports to the breaker as a handled
/// failure only the one that completes a run of <see cref="HttpLlmOptions.EjectAfterFailures"/> (and, while half-open,
/// the probe's failure); with a ratio threshold that any handled failure crosses, that failure opens the circuit.
/// </remarks>
internal sealed class LlmEndpoint
{
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly TimeProvider _time;
    private readonly int _ejectAfter;
    private long _openUntilTicks;
    private int _inFlight;
    private int _consecutiveFailures;

    public LlmEndpoint(string baseUrl, HttpLlmOptions options, TimeProvider time, Action<LlmEndpoint, EndpointEvent, TimeSpan> onEvent)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(onEvent);
        BaseUrl = baseUrl;
        Completions = new Uri(baseUrl + "/chat/completions");
        Models = new Uri(baseUrl + "/models");
        Key = Sim.StableHash.Of(baseUrl);
        _time = time;
        _ejectAfter = Math.Max(1, options.EjectAfterFailures);
        var cooldown = options.EjectCooldown;
        var maxCooldown = options.MaxEjectCooldown < cooldown ? cooldown : options.MaxEjectCooldown;
        Pipeline = new ResiliencePipelineBuilder<AttemptResult> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<AttemptResult>
            {
                // Only the failure that completes a run of consecutive ones is handled (see remarks): it alone breaks.
                FailureRatio = 1e-6,
                MinimumThroughput = 2,
                SamplingDuration = TimeSpan.FromSeconds(Math.Max(30, options.RequestTimeout.TotalSeconds * 2)),
                ShouldHandle = args => ValueTask.FromResult(CompletesFailureRun(args.Outcome)),
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

    /// <summary>Failures since the server last answered.</summary>
    public int ConsecutiveFailures => Volatile.Read(ref _consecutiveFailures);

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

    /// <summary>Counts consecutive failures; true for the one that should eject the endpoint (or re-eject it after a failed probe).</summary>
    private bool CompletesFailureRun(Outcome<AttemptResult> outcome)
    {
        if (outcome.Exception is OperationCanceledException)
        {
            return false; // the caller gave up: says nothing about the server
        }

        if (outcome.Exception is null && outcome.Result.Kind != AttemptKind.EndpointFailure)
        {
            Interlocked.Exchange(ref _consecutiveFailures, 0); // any answer, even 429 or 400, shows the server is alive
            return false;
        }

        var run = Interlocked.Increment(ref _consecutiveFailures);
        return run >= _ejectAfter || _state.CircuitState == CircuitState.HalfOpen;
    }
}

/// <summary>What an endpoint reports to its pool (for logs and counters).</summary>
internal enum EndpointEvent
{
    Ejected,
    Recovered,
}
