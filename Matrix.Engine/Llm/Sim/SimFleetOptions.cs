using Matrix.Engine.Settings;

namespace Matrix.Engine.Llm.Sim;

/// <summary>
/// The capacity model of the simulated inference fleet: <see cref="Replicas"/> continuous-batching servers
/// with <see cref="SlotsPerReplica"/> concurrent sequences each. A request costs a prefill per prompt token,
/// then one decode step per completion token, and a step gets slower with every sequence in the batch.
/// </summary>
public sealed record SimFleetOptions
{
    public const string ReplicasKey = "sim.replicas";
    public const string SlotsKey = "sim.slots";
    public const string PrefillKey = "sim.prefill_us_per_token";
    public const string DecodeKey = "sim.decode_ms";
    public const string DecodePerSequenceKey = "sim.decode_ms_per_seq";
    public const string ZeroLatencyKey = "sim.zero_latency";

    /// <summary>Simulated inference servers; a task's calls stay on one (sticky by task id).</summary>
    public int Replicas { get; init; } = 8;

    /// <summary>Sequences one replica decodes at once; more requests wait for a free slot.</summary>
    public int SlotsPerReplica { get; init; } = 64;

    /// <summary>Prefill time per prompt token, in microseconds.</summary>
    public double PrefillMicrosPerToken { get; init; } = 20;

    /// <summary>Time of one decode step with a batch of one sequence, in milliseconds.</summary>
    public double DecodeStepMillis { get; init; } = 8;

    /// <summary>Milliseconds added to a decode step per running sequence in the batch.</summary>
    public double DecodeStepMillisPerSequence { get; init; } = 0.12;

    /// <summary>Answer at once: no slots, no delay (the engine's ceiling mode).</summary>
    public bool ZeroLatency { get; init; }

    /// <summary>
    /// The model the simulated LLM answers as when a request names none: the run's <c>llm.model</c>, which is also what
    /// the HTTP client sends to the sim-server, so in-process and HTTP runs record the same <c>model</c>.
    /// </summary>
    public string Model { get; init; } = SimulatedLlm.Name;

    /// <summary>
    /// The fleet's decode capacity in completion tokens per second when every slot is busy:
    /// replicas x slots / step(slots). Infinite in <see cref="ZeroLatency"/> mode.
    /// </summary>
    public double CapacityTokensPerSecond =>
        ZeroLatency ? double.PositiveInfinity : Replicas * (double)SlotsPerReplica / DecodeStepMillisAt(SlotsPerReplica) * 1000;

    /// <summary>Duration of one decode step with <paramref name="batch"/> running sequences, in milliseconds.</summary>
    public double DecodeStepMillisAt(int batch) => DecodeStepMillis + batch * DecodeStepMillisPerSequence;

    /// <summary>The time a request holds its slot: prefill of the prompt, then one step per completion token at <paramref name="batch"/>.</summary>
    public TimeSpan ServiceTime(int promptTokens, int completionTokens, int batch)
    {
        var micros = promptTokens * PrefillMicrosPerToken + completionTokens * DecodeStepMillisAt(batch) * 1000;
        return TimeSpan.FromMicroseconds(Math.Max(0, micros));
    }

    public static void Declare(SettingsSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var d = new SimFleetOptions();
        schema.Int(ReplicasKey, d.Replicas, "Simulated LLM: inference servers in the fleet (a task's calls stay on one).", 1, 1_000_000)
            .Int(SlotsKey, d.SlotsPerReplica, "Simulated LLM: sequences each server decodes at once (continuous batching).", 1, 1_000_000)
            .Double(PrefillKey, d.PrefillMicrosPerToken, "Simulated LLM: prefill time per prompt token, in microseconds.", 0, 1e9)
            .Double(DecodeKey, d.DecodeStepMillis, "Simulated LLM: time of one decode step with one sequence, in milliseconds.", 0, 1e6)
            .Double(DecodePerSequenceKey, d.DecodeStepMillisPerSequence, "Simulated LLM: milliseconds added to a decode step per running sequence.", 0, 1e6)
            .Bool(ZeroLatencyKey, d.ZeroLatency, "Simulated LLM: answer at once with no simulated time (measures the engine's own ceiling).");
    }

    public static SimFleetOptions FromSettings(RunSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new SimFleetOptions
        {
            Replicas = settings.GetInt(ReplicasKey),
            SlotsPerReplica = settings.GetInt(SlotsKey),
            PrefillMicrosPerToken = settings.GetDouble(PrefillKey),
            DecodeStepMillis = settings.GetDouble(DecodeKey),
            DecodeStepMillisPerSequence = settings.GetDouble(DecodePerSequenceKey),
            ZeroLatency = settings.GetBool(ZeroLatencyKey),
            Model = settings.Schema.TryGet(Runtime.EngineSettings.Model, out _) && settings.GetString(Runtime.EngineSettings.Model) is { Length: > 0 } model
                ? model
                : SimulatedLlm.Name,
        };
    }
}
