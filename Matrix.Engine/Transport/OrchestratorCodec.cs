using System.Buffers;
using Matrix.Engine.Orchestration;
using MemoryPack;

namespace Matrix.Engine.Transport;

/// <summary>
/// Serializes orchestrators for the wire: the <see cref="PeerProtocol"/> header, then the task as an
/// <see cref="OrchestratorWire"/> in MemoryPack, the scenario's input and state tagged by type.
/// </summary>
/// <remarks>
/// Latency timing crosses ranks too: the start of the task's current hop travels as wall-clock time (the
/// sender's clock read now, minus the hop's age) and is turned back into a local timestamp on arrival, so
/// a hop that crosses ranks counts its time in the transport. Ranks of one host share the clock; across
/// hosts the hop is off by the hosts' clock offset (NTP: well under a millisecond), clamped at 0.
/// </remarks>
internal sealed class OrchestratorCodec
{
    private const ushort NoValue = 0;

    private readonly Dictionary<Type, ushort> _tags = [];
    private readonly List<Type> _types = [null!];
    private readonly string _scenario;
    private readonly TimeProvider _time;

    public OrchestratorCodec(string scenario, IEnumerable<Type> messageTypes, TimeProvider? time = null)
    {
        _scenario = scenario;
        _time = time ?? TimeProvider.System;
        foreach (var type in new[] { typeof(string), typeof(int), typeof(long), typeof(double), typeof(bool) }.Concat(messageTypes))
        {
            if (_tags.TryAdd(type, (ushort)_types.Count))
            {
                _types.Add(type);
            }
        }
    }

    /// <summary>Writes <paramref name="task"/> addressed to <paramref name="role"/>.</summary>
    public byte[] Encode(Orchestrator task, string role, int senderLoad)
    {
        var wire = new OrchestratorWire
        {
            Id = task.Id,
            Trial = task.Trial,
            Seed = task.Seed,
            RowIndex = task.RowIndex,
            HomeRank = task.HomeRank,
            AdmittedAt = task.AdmittedAt,
            DispatchedAtUtcTicks = _time.GetUtcNow().UtcTicks - _time.GetElapsedTime(task.DispatchedAt).Ticks,
            QueuedNanoseconds = task.QueuedNanoseconds,
            Hops = task.Hops,
            LlmCalls = task.LlmCalls,
            Outcome = (byte)task.Outcome,
            Reason = task.Reason,
            Error = task.Error,
            PromptTokens = task.PromptTokens,
            CompletionTokens = task.CompletionTokens,
            History = [.. task.History],
        };
        (wire.InputTag, wire.Input) = Payload(task.Input, task.Id);
        (wire.StateTag, wire.State) = task.State is null ? (NoValue, null) : Payload(task.State, task.Id);

        var buffer = new ArrayBufferWriter<byte>(512);
        PeerProtocol.WriteOrchestratorHeader(buffer, role, senderLoad);
        MemoryPackSerializer.Serialize(buffer, wire);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads an orchestrator message; throws <see cref="InvalidDataException"/> when it is not one.</summary>
    public (Orchestrator Task, string Role, int SenderLoad) Decode(ReadOnlySpan<byte> message)
    {
        var (role, load, bodyOffset) = PeerProtocol.ReadOrchestratorHeader(message);
        var wire = MemoryPackSerializer.Deserialize<OrchestratorWire>(message[bodyOffset..])
            ?? throw new InvalidDataException("empty orchestrator");
        var input = Value(wire.InputTag, wire.Input) ?? throw new InvalidDataException($"orchestrator {wire.Id} has no input");
        var task = new Orchestrator(wire.Id, wire.Trial, wire.Seed, wire.RowIndex, input)
        {
            State = wire.State is null ? null : Value(wire.StateTag, wire.State),
            HomeRank = wire.HomeRank,
            AdmittedAt = wire.AdmittedAt,
            DispatchedAt = LocalTimestamp(wire.DispatchedAtUtcTicks),
            QueuedNanoseconds = wire.QueuedNanoseconds,
            Hops = wire.Hops,
            LlmCalls = wire.LlmCalls,
            Outcome = (TaskOutcome)wire.Outcome,
            Reason = wire.Reason,
            Error = wire.Error,
            CurrentRole = role,
        };
        task.Restore(wire.History, wire.PromptTokens, wire.CompletionTokens);
        return (task, role, load);
    }

    /// <summary>This rank's timestamp of a wall-clock moment in the past (never in the future).</summary>
    private long LocalTimestamp(long utcTicks)
    {
        var now = _time.GetTimestamp();
        var age = Math.Max(0, _time.GetUtcNow().UtcTicks - utcTicks);
        return now - (long)(age * (_time.TimestampFrequency / (double)TimeSpan.TicksPerSecond));
    }

    private (ushort Tag, byte[] Bytes) Payload(object value, string taskId)
    {
        var type = value.GetType();
        if (!_tags.TryGetValue(type, out var tag))
        {
            throw new InvalidOperationException($"task {taskId} cannot leave its rank: scenario '{_scenario}' does not list {type.FullName} in MessageTypes");
        }

        return (tag, MemoryPackSerializer.Serialize(type, value));
    }

    private object? Value(ushort tag, byte[] bytes) =>
        tag == NoValue ? null
        : tag < _types.Count ? MemoryPackSerializer.Deserialize(_types[tag], bytes)
        : throw new InvalidDataException($"unknown payload type tag {tag}");
}
