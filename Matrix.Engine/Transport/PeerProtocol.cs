using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Matrix.Engine.Runtime;
using Matrix.Engine.Store;

namespace Matrix.Engine.Transport;

/// <summary>The kinds of message ranks exchange: the first byte of every message.</summary>
internal enum PeerMessageKind : byte
{
    /// <summary>An orchestrator for a role (or for its home sink).</summary>
    Orchestrator = 1,

    /// <summary>A rank's progress counters, sent to rank 0 about once a second.</summary>
    Progress = 2,

    /// <summary>Asks the owner rank for offloaded content.</summary>
    ContentRequest = 3,

    /// <summary>The owner's answer to a <see cref="ContentRequest"/>.</summary>
    ContentReply = 4,

    /// <summary>Tells the owner rank that a task's content can go (its record is written).</summary>
    ContentFree = 5,
}

/// <summary>
/// The peer protocol: every message the engine of one rank sends another, its header and its encoding. The
/// transport below (Matrix.Mpi) carries each message as one opaque, authenticated frame; this is what is inside.
/// All integers are little-endian; every message starts <c>[kind u8][version u8]</c>.
/// <code>
/// Orchestrator   [1][v][sender load i32][role length u8][role utf8][MemoryPack OrchestratorWire (OrchestratorCodec)]
/// Progress       [2][v][admitted, succeeded, filtered, failed, in flight, hops, completion tokens, llm retries: 8 x i64]
/// ContentRequest [3][v][request id i64][count i32][(store key i64, utf8 length i32) x count]
/// ContentReply   [4][v][request id i64][1][(utf8 length i32, utf8) x count]   or   [4][v][request id i64][0][error utf8]
/// ContentFree    [5][v][0 i64][task id utf8]
/// </code>
/// The sender's load (its queued steps) rides on every orchestrator, so routing learns how busy its peers are
/// without extra messages. A rank that reads a version other than its own drops the message and counts a decode
/// error: every rank of a job must run the same build.
/// </summary>
internal static class PeerProtocol
{
    /// <summary>2: hop start and queued time (latency instrumentation). 3: a turn's reasoning, its reference, finish reason and model.</summary>
    public const byte Version = 3;

    /// <summary>Bytes before an orchestrator's role name.</summary>
    public const int OrchestratorHeaderBytes = 7;

    /// <summary>Bytes before a content message's body (kind, version, request id).</summary>
    public const int ContentHeaderBytes = 10;

    private const int ProgressBytes = 2 + (8 * 8);
    private const int ContentRequestEntryBytes = 12;

    /// <summary>The kind of <paramref name="message"/>, or null when it is empty.</summary>
    public static PeerMessageKind? KindOf(ReadOnlySpan<byte> message) => message.IsEmpty ? null : (PeerMessageKind)message[0];

    /// <summary>Writes an orchestrator's header into <paramref name="buffer"/>; the MemoryPack body follows.</summary>
    public static void WriteOrchestratorHeader(IBufferWriter<byte> buffer, string role, int senderLoad)
    {
        var header = buffer.GetSpan(OrchestratorHeaderBytes + Encoding.UTF8.GetMaxByteCount(role.Length));
        header[0] = (byte)PeerMessageKind.Orchestrator;
        header[1] = Version;
        BinaryPrimitives.WriteInt32LittleEndian(header[2..], senderLoad);
        var roleBytes = Encoding.UTF8.GetBytes(role, header[OrchestratorHeaderBytes..]);
        header[6] = checked((byte)roleBytes);
        buffer.Advance(OrchestratorHeaderBytes + roleBytes);
    }

    /// <summary>Reads an orchestrator's header; throws <see cref="InvalidDataException"/> when it is not one of this version.</summary>
    public static (string Role, int SenderLoad, int BodyOffset) ReadOrchestratorHeader(ReadOnlySpan<byte> message)
    {
        if (message.Length < OrchestratorHeaderBytes || message[0] != (byte)PeerMessageKind.Orchestrator)
        {
            throw new InvalidDataException("not an orchestrator message");
        }

        if (message[1] != Version)
        {
            throw new InvalidDataException($"orchestrator format version {message[1]}, this build reads {Version}: every rank must run the same matrix build");
        }

        var roleLength = message[6];
        var role = Encoding.UTF8.GetString(message.Slice(OrchestratorHeaderBytes, roleLength));
        return (role, BinaryPrimitives.ReadInt32LittleEndian(message[2..]), OrchestratorHeaderBytes + roleLength);
    }

    /// <summary>The progress message a rank sends to rank 0.</summary>
    public static byte[] EncodeProgress(CounterSnapshot s)
    {
        var bytes = new byte[ProgressBytes];
        bytes[0] = (byte)PeerMessageKind.Progress;
        bytes[1] = Version;
        var span = bytes.AsSpan(2);
        foreach (var value in new[] { s.Admitted, s.Succeeded, s.Filtered, s.Failed, s.InFlight, s.Hops, s.CompletionTokens, s.LlmRetries })
        {
            BinaryPrimitives.WriteInt64LittleEndian(span, value);
            span = span[8..];
        }

        return bytes;
    }

    public static CounterSnapshot DecodeProgress(ReadOnlySpan<byte> message)
    {
        if (message.Length != ProgressBytes || message[0] != (byte)PeerMessageKind.Progress)
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

    public static byte[] EncodeContentRequest(long requestId, IReadOnlyList<ContentRef> references)
    {
        var message = ContentMessage(PeerMessageKind.ContentRequest, requestId, 4 + (ContentRequestEntryBytes * references.Count), out var body);
        BinaryPrimitives.WriteInt32LittleEndian(body, references.Count);
        for (var i = 0; i < references.Count; i++)
        {
            var entry = body[(4 + (ContentRequestEntryBytes * i))..];
            BinaryPrimitives.WriteInt64LittleEndian(entry, references[i].Key);
            BinaryPrimitives.WriteInt32LittleEndian(entry[8..], references[i].Length);
        }

        return message;
    }

    /// <summary>The references a peer asks this rank (<paramref name="ownerRank"/>) for.</summary>
    public static ContentRef[] DecodeContentRequest(ReadOnlySpan<byte> message, int ownerRank)
    {
        var body = ContentBody(message, PeerMessageKind.ContentRequest);
        var count = BinaryPrimitives.ReadInt32LittleEndian(body);
        if (count < 0 || body.Length != 4 + ((long)ContentRequestEntryBytes * count))
        {
            throw new InvalidDataException("content request of the wrong length");
        }

        var references = new ContentRef[count];
        for (var i = 0; i < count; i++)
        {
            var entry = body[(4 + (ContentRequestEntryBytes * i))..];
            references[i] = new ContentRef(ownerRank, BinaryPrimitives.ReadInt64LittleEndian(entry), BinaryPrimitives.ReadInt32LittleEndian(entry[8..]));
        }

        return references;
    }

    /// <summary>The owner's answer: the contents, in the order they were asked for.</summary>
    public static byte[] EncodeContentReply(long requestId, IReadOnlyList<string> contents)
    {
        var encoded = contents.Select(Encoding.UTF8.GetBytes).ToArray();
        var message = ContentMessage(PeerMessageKind.ContentReply, requestId, 1 + encoded.Sum(c => 4 + c.Length), out var body);
        body[0] = 1;
        var at = 1;
        foreach (var c in encoded)
        {
            BinaryPrimitives.WriteInt32LittleEndian(body[at..], c.Length);
            c.CopyTo(body[(at + 4)..]);
            at += 4 + c.Length;
        }

        return message;
    }

    /// <summary>The owner's answer when it could not read the content.</summary>
    public static byte[] EncodeContentError(long requestId, string error)
    {
        var text = Encoding.UTF8.GetBytes(error);
        var message = ContentMessage(PeerMessageKind.ContentReply, requestId, 1 + text.Length, out var body);
        body[0] = 0;
        text.CopyTo(body[1..]);
        return message;
    }

    /// <summary>A reply: the contents, or the owner's error.</summary>
    public static (string[]? Contents, string? Error) DecodeContentReply(ReadOnlySpan<byte> message)
    {
        var body = ContentBody(message, PeerMessageKind.ContentReply);
        if (body.IsEmpty)
        {
            throw new InvalidDataException("empty content reply");
        }

        if (body[0] != 1)
        {
            return (null, Encoding.UTF8.GetString(body[1..]));
        }

        var contents = new List<string>();
        body = body[1..];
        while (!body.IsEmpty)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(body);
            contents.Add(Encoding.UTF8.GetString(body.Slice(4, length)));
            body = body[(4 + length)..];
        }

        return ([.. contents], null);
    }

    public static byte[] EncodeContentFree(string taskId)
    {
        var message = ContentMessage(PeerMessageKind.ContentFree, 0, Encoding.UTF8.GetByteCount(taskId), out var body);
        Encoding.UTF8.GetBytes(taskId, body);
        return message;
    }

    public static string DecodeContentFree(ReadOnlySpan<byte> message) => Encoding.UTF8.GetString(ContentBody(message, PeerMessageKind.ContentFree));

    /// <summary>The request id of a content message (0 for <see cref="PeerMessageKind.ContentFree"/>).</summary>
    public static long RequestIdOf(ReadOnlySpan<byte> message)
    {
        _ = ContentBody(message, (PeerMessageKind)message[0]);
        return BinaryPrimitives.ReadInt64LittleEndian(message[2..]);
    }

    private static byte[] ContentMessage(PeerMessageKind kind, long requestId, int bodyLength, out Span<byte> body)
    {
        var message = new byte[ContentHeaderBytes + bodyLength];
        message[0] = (byte)kind;
        message[1] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(message.AsSpan(2), requestId);
        body = message.AsSpan(ContentHeaderBytes);
        return message;
    }

    private static ReadOnlySpan<byte> ContentBody(ReadOnlySpan<byte> message, PeerMessageKind kind)
    {
        if (message.Length < ContentHeaderBytes || message[0] != (byte)kind)
        {
            throw new InvalidDataException($"not a {kind} message");
        }

        if (message[1] != Version)
        {
            throw new InvalidDataException($"peer message version {message[1]}, this build reads {Version}: every rank must run the same matrix build");
        }

        return message[ContentHeaderBytes..];
    }
}
