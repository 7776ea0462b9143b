using System.Text;
using ArrowBuffer = Apache.Arrow.ArrowBuffer;
using StringArray = Apache.Arrow.StringArray;

namespace Matrix.Store.Arrow.Write;

/// <summary>
/// A reusable builder of one utf8 column (offsets, bytes, validity). Unlike Arrow's
/// <c>StringArray.Builder</c> it encodes straight into its own buffer and keeps that buffer between
/// batches, so appending a string allocates nothing once the buffers have grown.
/// </summary>
internal sealed class Utf8Buffer
{
    private readonly FixedBuffer<int> _offsets = new();
    private readonly BitBuffer _validity = new();
    private byte[] _data = new byte[4096];
    private int _dataLength;

    public Utf8Buffer() => _offsets.Append(0);

    public int Count => _validity.Length;

    /// <summary>Bytes held, to cap a batch's size.</summary>
    public long ByteLength => _dataLength + (long)_offsets.ByteLength;

    public void Append(string? value)
    {
        if (value is not null)
        {
            var max = Encoding.UTF8.GetMaxByteCount(value.Length);
            if (_dataLength + (long)max > _data.Length)
            {
                Grow(_dataLength + (long)Encoding.UTF8.GetByteCount(value));
            }

            _dataLength += Encoding.UTF8.GetBytes(value, _data.AsSpan(_dataLength));
        }

        _validity.Append(value is not null);
        _offsets.Append(_dataLength);
    }

    /// <summary>A <see cref="StringArray"/> over this buffer's memory, valid until <see cref="Clear"/>.</summary>
    public StringArray Build() =>
        new(Count, _offsets.Borrow(), new ArrowBuffer(_data.AsMemory(0, _dataLength)), _validity.BorrowValidity(), _validity.UnsetCount, 0);

    public void Clear()
    {
        _offsets.Clear();
        _offsets.Append(0);
        _validity.Clear();
        _dataLength = 0;
    }

    private void Grow(long needed)
    {
        // Arrow utf8 offsets are int32: one column of one batch holds at most 2 GiB. The sink closes a
        // batch long before that (see ArrowTaskSink.MaxBatchBytes), so this only trips on one giant value.
        if (needed > Array.MaxLength)
        {
            throw new InvalidOperationException($"A utf8 column would exceed {Array.MaxLength} bytes in one record batch.");
        }

        var size = Math.Max(needed, Math.Min((long)_data.Length * 2, Array.MaxLength));
        Array.Resize(ref _data, (int)size);
    }
}
