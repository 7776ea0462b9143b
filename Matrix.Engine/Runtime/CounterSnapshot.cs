using System.Buffers.Binary;
using Matrix.Engine.Transport;

namespace Matrix.Engine.Runtime;

/// <summary>One rank's (or the whole job's) progress counters at one moment.</summary>
public readonly record struct CounterSnapshot(
    long Admitted,
    long Succeeded,
    long Filtered,
    long Failed,
    long InFlight,
    long Hops,
    long CompletionTokens,
    long LlmRetries)
{
    private const int Size = 2 + (8 * 8);

    public long Finished => Succeeded + Filtered + Failed;

    public static CounterSnapshot operator +(CounterSnapshot a, CounterSnapshot b) => new(
        a.Admitted + b.Admitted,
        a.Succeeded + b.Succeeded,
        a.Filtered + b.Filtered,
        a.Failed + b.Failed,
        a.InFlight + b.InFlight,
        a.Hops + b.Hops,
        a.CompletionTokens + b.CompletionTokens,
        a.LlmRetries + b.LlmRetries);

    public static CounterSnapshot Add(CounterSnapshot left, CounterSnapshot right) => left + right;

    /// <summary>The progress message a rank sends to rank 0.</summary>
    internal byte[] Encode()
    {
        var bytes = new byte[Size];
        bytes[0] = (byte)PeerMessageKind.Progress;
        bytes[1] = OrchestratorCodec.Version;
        var span = bytes.AsSpan(2);
        foreach (var value in new[] { Admitted, Succeeded, Filtered, Failed, InFlight, Hops, CompletionTokens, LlmRetries })
        {
            BinaryPrimitives.WriteInt64LittleEndian(span, value);
            span = span[8..];
        }

        return bytes;
    }

    internal static CounterSnapshot Decode(ReadOnlySpan<byte> message)
    {
        if (message.Length != Size || message[0] != (byte)PeerMessageKind.Progress)
        {
            throw new InvalidDataException("not a progress message");
        }

        Span<long> v = stackalloc long[8];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = BinaryPrimitives.ReadInt64LittleEndian(message[(2 + (8 * i))..]);
        }

        return new CounterSnapshot(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    }
}
