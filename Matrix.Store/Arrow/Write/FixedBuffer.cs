using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ArrowBuffer = Apache.Arrow.ArrowBuffer;

namespace Matrix.Store.Arrow.Write;

/// <summary>
/// A growable, reusable buffer of fixed-width values (int32 offsets, int32/int64/float64 values) kept
/// as little-endian bytes, so a batch's arrays can borrow it without a copy.
/// </summary>
internal sealed class FixedBuffer<T>
    where T : unmanaged
{
    private static readonly int Size = Unsafe.SizeOf<T>();
    private byte[] _bytes = new byte[Size * 256];

    public int Count { get; private set; }

    public int ByteLength => Count * Size;

    public void Append(T value)
    {
        var at = Count * Size;
        if (at + Size > _bytes.Length)
        {
            Array.Resize(ref _bytes, _bytes.Length * 2);
        }

        MemoryMarshal.Write(_bytes.AsSpan(at), in value);
        Count++;
    }

    /// <summary>The values as an Arrow buffer sharing this buffer's memory (valid until <see cref="Clear"/>).</summary>
    public ArrowBuffer Borrow() => new(_bytes.AsMemory(0, ByteLength));

    public void Clear() => Count = 0;
}
