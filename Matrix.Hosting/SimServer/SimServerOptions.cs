using Matrix.Engine.Llm.Sim;

namespace Matrix.Hosting.SimServer;

/// <summary>
/// Options of <see cref="SimServer"/>: where to listen, the simulated fleet, and fault injection for tests of
/// clients' retries. Faults are chosen per distinct request (a stable hash of seed and messages) and
/// <see cref="FaultSeed"/>, so which requests fail is the same on every run.
/// </summary>
public sealed record SimServerOptions
{
    /// <summary>Address to bind: an IP, <c>localhost</c>, or <c>0.0.0.0</c> / <c>*</c> for every interface.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Port to listen on; 0 takes a free one (read it from <see cref="SimServer.Port"/>).</summary>
    public int Port { get; init; }

    public SimFleetOptions Fleet { get; init; } = new();

    /// <summary>
    /// The scenarios' responders, tried in order before the engine's generic prose (see <see cref="SimulatedLlm"/>).
    /// <c>matrix sim-server</c> passes every scenario's, in scenario order, since one server serves any scenario.
    /// </summary>
    public IReadOnlyList<ISimResponder> Responders { get; init; } = [];

    /// <summary>Fraction of distinct requests whose first attempt answers <see cref="FailStatus"/>.</summary>
    public double FailRate { get; init; }

    /// <summary>Fraction of distinct requests that always answer <see cref="FailStatus"/>.</summary>
    public double PermanentFailRate { get; init; }

    /// <summary>Fraction of distinct requests whose first attempt never answers (until the client gives up).</summary>
    public double HangRate { get; init; }

    /// <summary>HTTP status of injected errors (500, 503, 429...).</summary>
    public int FailStatus { get; init; } = 500;

    /// <summary>When set, injected errors carry a <c>Retry-After</c> header of this many whole seconds.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>
    /// Fraction of distinct requests whose first attempt answers 200 with the body cut off in the middle (what a
    /// loaded server or a proxy sometimes sends): the client must retry it like a 5xx.
    /// </summary>
    public double TruncateRate { get; init; }

    /// <summary>When set, a prompt of more tokens (as the simulator counts them) is refused with HTTP 400 in vLLM's words.</summary>
    public int? MaxContextTokens { get; init; }

    /// <summary>When set, every <c>/v1</c> request must carry <c>Authorization: Bearer</c> this key, or gets 401 (vLLM's <c>--api-key</c>).</summary>
    public string? ApiKey { get; init; }

    /// <summary>Sees every chat completion request body as received, with its <c>Authorization</c> header (tests).</summary>
    public Action<string, string?>? OnRequest { get; init; }

    /// <summary>Chooses which requests are faulty.</summary>
    public long FaultSeed { get; init; }

    /// <summary>The clock of the simulated fleet (default: the system clock).</summary>
    public TimeProvider? Time { get; init; }
}
