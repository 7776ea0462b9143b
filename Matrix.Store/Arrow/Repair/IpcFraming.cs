using System.Buffers;
using System.Buffers.Binary;

namespace Matrix.Store.Arrow.Repair;

/// <summary>The kind of an Arrow IPC message (the <c>MessageHeader</c> union of Message.fbs).</summary>
internal enum IpcMessageKind : byte
{
    None = 0,
    Schema = 1,
    DictionaryBatch = 2,
    RecordBatch = 3,
    Tensor = 4,
    SparseTensor = 5,
}

/// <summary>One whole message of a stream: where it starts and ends, and a record batch's row count.</summary>
internal readonly record struct IpcMessage(long Offset, long End, IpcMessageKind Kind, long Rows);

/// <summary>What <see cref="IpcFraming.Scan"/> found in a stream.</summary>
/// <param name="Messages">The whole messages from the start, up to the end marker or the first one that is cut off.</param>
/// <param name="EndMarker">Whether an end-of-stream marker follows them.</param>
/// <param name="End">Where the end marker ends, or the last whole message does.</param>
/// <param name="Length">The file's length.</param>
/// <param name="TornRows">The row count of a record batch whose metadata is whole but whose body is cut off.</param>
internal sealed record IpcFrameScan(IReadOnlyList<IpcMessage> Messages, bool EndMarker, long End, long Length, long? TornRows)
{
    /// <summary>A schema first, whole messages, and the end marker exactly at the end of the file.</summary>
    public bool Complete => EndMarker && End == Length && Messages.Count > 0 && Messages[0].Kind == IpcMessageKind.Schema;

    public int RecordBatches => Messages.Count(m => m.Kind == IpcMessageKind.RecordBatch);

    /// <summary>Rows of every record batch the framing shows, the torn one included when its metadata is whole.</summary>
    public long FramedRows => Messages.Where(m => m.Kind == IpcMessageKind.RecordBatch).Sum(m => m.Rows) + (TornRows ?? 0);
}

/// <summary>
/// Walks the messages of an Arrow IPC stream by their length prefixes and the <c>bodyLength</c> of their
/// metadata, without reading bodies. Unlike Apache.Arrow's stream reader, which takes a file cut at (or
/// inside the 8-byte prefix of) a message boundary for a clean end, this tells exactly where the last
/// whole message ends and whether the end-of-stream marker follows it.
/// </summary>
internal static class IpcFraming
{
    /// <summary>Larger metadata is taken for garbage (ours is a few hundred bytes).</summary>
    private const int MaxMetadataLength = 64 << 20;

    private const int Continuation = -1;

    public static IpcFrameScan Scan(Stream stream)
    {
        var length = stream.Length;
        var messages = new List<IpcMessage>();
        Span<byte> word = stackalloc byte[4];
        long position = 0;
        stream.Position = 0;
        while (true)
        {
            if (length - position < 4 || !TryRead(stream, word))
            {
                return new IpcFrameScan(messages, false, position, length, null);
            }

            var prefix = 4;
            var metadataLength = BinaryPrimitives.ReadInt32LittleEndian(word);
            if (metadataLength == Continuation)
            {
                if (length - position < 8 || !TryRead(stream, word))
                {
                    return new IpcFrameScan(messages, false, position, length, null);
                }

                prefix = 8;
                metadataLength = BinaryPrimitives.ReadInt32LittleEndian(word);
            }

            if (metadataLength == 0)
            {
                return new IpcFrameScan(messages, true, position + prefix, length, null);
            }

            var bodyStart = position + prefix + metadataLength;
            if (metadataLength < 0 || metadataLength > MaxMetadataLength || bodyStart > length)
            {
                return new IpcFrameScan(messages, false, position, length, null);
            }

            var metadata = ArrayPool<byte>.Shared.Rent(metadataLength);
            try
            {
                if (!TryRead(stream, metadata.AsSpan(0, metadataLength))
                    || !TryParseMessage(metadata.AsSpan(0, metadataLength), out var kind, out var bodyLength, out var rows))
                {
                    return new IpcFrameScan(messages, false, position, length, null);
                }

                if (bodyLength < 0 || bodyLength > length - bodyStart)
                {
                    long? torn = kind == IpcMessageKind.RecordBatch && bodyLength >= 0 ? rows : null;
                    return new IpcFrameScan(messages, false, position, length, torn);
                }

                messages.Add(new IpcMessage(position, bodyStart + bodyLength, kind, rows));
                position = bodyStart + bodyLength;
                stream.Position = position;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(metadata);
            }
        }
    }

    private static bool TryRead(Stream stream, Span<byte> buffer) => stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false) == buffer.Length;

    /// <summary>
    /// Reads <c>Message.header_type</c>, <c>Message.bodyLength</c> and, for a record batch,
    /// <c>RecordBatch.length</c> out of the flatbuffer, checking every offset against the buffer.
    /// </summary>
    private static bool TryParseMessage(ReadOnlySpan<byte> buffer, out IpcMessageKind kind, out long bodyLength, out long rows)
    {
        kind = IpcMessageKind.None;
        bodyLength = 0;
        rows = 0;
        if (!TryTable(buffer, 0, out var message))
        {
            return false;
        }

        // Message: version (0), header_type (1), header (2), bodyLength (3), custom_metadata (4).
        if (!TryField(buffer, message, 1, 1, out var typeAt) || !TryField(buffer, message, 3, 8, out var bodyAt))
        {
            return false;
        }

        kind = typeAt < 0 ? IpcMessageKind.None : (IpcMessageKind)buffer[typeAt];
        bodyLength = bodyAt < 0 ? 0 : BinaryPrimitives.ReadInt64LittleEndian(buffer[bodyAt..]);
        if (kind != IpcMessageKind.RecordBatch)
        {
            return kind is > IpcMessageKind.None and <= IpcMessageKind.SparseTensor;
        }

        // RecordBatch: length (0), nodes (1), buffers (2), compression (3).
        if (!TryField(buffer, message, 2, 4, out var headerAt) || headerAt < 0
            || !TryTable(buffer, headerAt, out var batch)
            || !TryField(buffer, batch, 0, 8, out var lengthAt))
        {
            return false;
        }

        rows = lengthAt < 0 ? 0 : BinaryPrimitives.ReadInt64LittleEndian(buffer[lengthAt..]);
        return rows >= 0;
    }

    /// <summary>Follows the uoffset at <paramref name="at"/> to a table.</summary>
    private static bool TryTable(ReadOnlySpan<byte> buffer, int at, out int table)
    {
        table = -1;
        if (at < 0 || at > buffer.Length - 4)
        {
            return false;
        }

        var target = (long)at + BinaryPrimitives.ReadUInt32LittleEndian(buffer[at..]);
        if (target > buffer.Length - 4)
        {
            return false;
        }

        table = (int)target;
        return true;
    }

    /// <summary>Where field <paramref name="id"/> of the table is stored (-1 when absent: the default).</summary>
    private static bool TryField(ReadOnlySpan<byte> buffer, int table, int id, int size, out int at)
    {
        at = -1;
        var vtable = (long)table - BinaryPrimitives.ReadInt32LittleEndian(buffer[table..]);
        if (vtable < 0 || vtable > buffer.Length - 4)
        {
            return false;
        }

        var vtableSize = BinaryPrimitives.ReadUInt16LittleEndian(buffer[(int)vtable..]);
        if (vtable + vtableSize > buffer.Length)
        {
            return false;
        }

        var entry = 4 + (2 * id);
        if (entry + 2 > vtableSize)
        {
            return true;
        }

        var offset = BinaryPrimitives.ReadUInt16LittleEndian(buffer[(int)(vtable + entry)..]);
        if (offset == 0)
        {
            return true;
        }

        if ((long)table + offset + size > buffer.Length)
        {
            return false;
        }

        at = table + offset;
        return true;
    }
}
