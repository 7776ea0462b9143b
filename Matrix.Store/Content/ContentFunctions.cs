using System.Text;
using FASTER.core;

namespace Matrix.Store.Content;

/// <summary>
/// Where a read puts a value: decoded to <see cref="Text"/> (a content stored in one chunk), or copied into
/// <see cref="Destination"/> at <see cref="Offset"/> (one chunk of a larger content). FASTER keeps a copy of
/// the output in the pending context of a read that goes to disk, so both modes survive the pending path.
/// </summary>
internal struct ContentOutput
{
    public byte[]? Destination;
    public int Offset;
    public string? Text;

    /// <summary>The value's length in bytes, or -1 when it did not fit <see cref="Destination"/>.</summary>
    public int Length;
}

/// <summary>
/// FASTER callbacks for <c>FasterKV&lt;long, SpanByte&gt;</c>. Writes (copying the SpanByte into the log) are
/// <see cref="SpanByteFunctions{Key, Output, Context}"/>'s; reads copy the value out while FASTER still
/// protects the record, so no pointer into the log escapes.
/// </summary>
internal sealed class ContentFunctions : SpanByteFunctions<long, ContentOutput, Empty>
{
    public override bool SingleReader(ref long key, ref SpanByte input, ref SpanByte value, ref ContentOutput dst, ref ReadInfo readInfo) =>
        Read(ref value, ref dst);

    public override bool ConcurrentReader(ref long key, ref SpanByte input, ref SpanByte value, ref ContentOutput dst, ref ReadInfo readInfo) =>
        Read(ref value, ref dst);

    private static bool Read(ref SpanByte value, ref ContentOutput dst)
    {
        var bytes = value.AsReadOnlySpan();
        if (dst.Destination is null)
        {
            dst.Text = Encoding.UTF8.GetString(bytes);
            dst.Length = bytes.Length;
        }
        else if (dst.Offset >= 0 && bytes.Length <= dst.Destination.Length - dst.Offset)
        {
            bytes.CopyTo(dst.Destination.AsSpan(dst.Offset));
            dst.Length = bytes.Length;
        }
        else
        {
            dst.Length = -1;
        }

        return true;
    }
}
