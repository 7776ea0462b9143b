using ArrowBuffer = Apache.Arrow.ArrowBuffer;

namespace Matrix.Store.Arrow.Write;

/// <summary>
/// A growable, reusable LSB-first bitmap: Arrow's validity bitmaps and boolean values. The batch's
/// arrays borrow its bytes until the batch is written, then <see cref="Clear"/> reuses them.
/// </summary>
internal sealed class BitBuffer
{
    private byte[] _bytes = new byte[128];

    public int Length { get; private set; }

    public int UnsetCount { get; private set; }

    public void Append(bool bit)
    {
        var byteIndex = Length >> 3;
        if (byteIndex == _bytes.Length)
        {
            Array.Resize(ref _bytes, _bytes.Length * 2);
        }

        if (bit)
        {
            _bytes[byteIndex] |= (byte)(1 << (Length & 7));
        }
        else
        {
            UnsetCount++;
        }

        Length++;
    }

    /// <summary>The bits as an Arrow buffer that shares this buffer's memory (valid until <see cref="Clear"/>).</summary>
    public ArrowBuffer Borrow() => new(_bytes.AsMemory(0, (Length + 7) >> 3));

    /// <summary>A validity bitmap, or the empty buffer when every value is valid (Arrow allows omitting it).</summary>
    public ArrowBuffer BorrowValidity() => UnsetCount == 0 ? ArrowBuffer.Empty : Borrow();

    public void Clear()
    {
        // Append only sets bits, so the used bytes must go back to zero.
        Array.Clear(_bytes, 0, (Length + 7) >> 3);
        Length = 0;
        UnsetCount = 0;
    }
}
