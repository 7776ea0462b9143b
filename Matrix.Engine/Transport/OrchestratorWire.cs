using Matrix.Engine.Orchestration;
using MemoryPack;

namespace Matrix.Engine.Transport;

/// <summary>
/// An orchestrator as it crosses ranks. The scenario's input and state travel as (type tag, MemoryPack
/// bytes) so that the engine needs no compile-time knowledge of scenario types.
/// </summary>
[MemoryPackable]
internal sealed partial class OrchestratorWire
{
    public string Id { get; set; } = string.Empty;

    public int Trial { get; set; }

    public ulong Seed { get; set; }

    public long RowIndex { get; set; }

    public int HomeRank { get; set; }

    public long AdmittedAt { get; set; }

    /// <summary>When the task's current hop started, as UTC <see cref="DateTime.Ticks"/> (ranks share no monotonic clock).</summary>
    public long DispatchedAtUtcTicks { get; set; }

    public long QueuedNanoseconds { get; set; }

    public int Hops { get; set; }

    public int LlmCalls { get; set; }

    public byte Outcome { get; set; }

    public string? Reason { get; set; }

    public string? Error { get; set; }

    public long PromptTokens { get; set; }

    public long CompletionTokens { get; set; }

    public Turn[] History { get; set; } = [];

    public ushort InputTag { get; set; }

    public byte[] Input { get; set; } = [];

    public ushort StateTag { get; set; }

    public byte[]? State { get; set; }
}
