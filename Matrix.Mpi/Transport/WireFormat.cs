using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Matrix.Mpi.Transport;

/// <summary>
/// The frames ranks exchange. All integers are little-endian.
/// <code>
/// HELLO   (DEALER -> ROUTER, first frame of a connection, 116 bytes)
///   0  u8   kind = 1          1  u8  version = 1     2  u8  flags (bit 0: secure)   3  u8  0
///   4  i32  from rank         8  i32 to rank         12 i64 unix time, ms
///   20 [16] nonce             36 [16] routing identity of the sending DEALER
///   52 [32] sender's Curve public key (zeros when not secure)
///   84 [32] HMAC-SHA256(job secret, bytes 0..83)
/// WELCOME (ROUTER -> DEALER, answer to a verified HELLO, 68 bytes)
///   0  u8   kind = 2          1  u8  version = 1     2  u16 0
///   4  i32  from rank (the ROUTER's)                 8  i32 to rank (the DEALER's)
///   12 i64  unix time, ms     20 [16] the HELLO's nonce, echoed
///   36 [32] HMAC-SHA256(job secret, bytes 0..35)
/// DATA    (DEALER -> ROUTER, one or more messages)
///   0  u8   kind = 3          1  u8  version = 1     2  u16 0
///   4  u32  message count     8  u64 sequence number (per connection, from 1, strictly increasing)
///   16 count x { u32 length, length bytes }
///   [16] when secure: HMAC-SHA256(connection key, every byte before it), first 16 bytes
/// connection key = HMAC-SHA256(job secret, "MXD1" | from rank | to rank | HELLO nonce | routing identity)
/// </code>
/// </summary>
internal static class WireFormat
{
    public const byte KindHello = 1;
    public const byte KindWelcome = 2;
    public const byte KindData = 3;
    public const byte Version = 1;

    public const int SecretLength = 32;
    public const int KeyLength = 32;
    public const int NonceLength = 16;
    public const int IdentityLength = 16;
    public const int HelloLength = 116;
    public const int WelcomeLength = 68;
    public const int DataHeaderLength = 16;
    public const int DataMacLength = 16;
    public const int LengthPrefix = 4;

    /// <summary>Upper bound for message and batch sizes, so every frame length fits an <see cref="int"/>.</summary>
    public const int MaxMessageBytesLimit = 1 << 30;

    private const int HelloMacOffset = 84;
    private const int WelcomeMacOffset = 36;
    private static ReadOnlySpan<byte> DataKeyLabel => "MXD1"u8;

    /// <summary>A fresh 16-byte value whose first byte is not zero (ZeroMQ reserves identities starting with 0).</summary>
    public static byte[] NewIdentity()
    {
        var identity = RandomNumberGenerator.GetBytes(IdentityLength);
        while (identity[0] == 0)
        {
            identity[0] = (byte)RandomNumberGenerator.GetInt32(1, 256);
        }

        return identity;
    }

    public static byte[] WriteHello(
        int from, int to, long unixMs, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> identity,
        ReadOnlySpan<byte> publicKey, bool secure, ReadOnlySpan<byte> secret)
    {
        var frame = new byte[HelloLength];
        frame[0] = KindHello;
        frame[1] = Version;
        frame[2] = secure ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), from);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(8), to);
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(12), unixMs);
        nonce.CopyTo(frame.AsSpan(20, NonceLength));
        identity.CopyTo(frame.AsSpan(36, IdentityLength));
        if (!publicKey.IsEmpty)
        {
            publicKey.CopyTo(frame.AsSpan(52, KeyLength));
        }

        HMACSHA256.HashData(secret, frame.AsSpan(0, HelloMacOffset), frame.AsSpan(HelloMacOffset));
        return frame;
    }

    /// <summary>Checks length, kind, version and MAC (constant time); the caller checks the fields.</summary>
    public static bool TryReadHello(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> secret, out Hello hello)
    {
        hello = default;
        if (frame.Length != HelloLength || frame[0] != KindHello || frame[1] != Version || !MacMatches(secret, frame, HelloMacOffset))
        {
            return false;
        }

        hello = new Hello(
            BinaryPrimitives.ReadInt32LittleEndian(frame[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(frame[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(frame[12..]),
            (frame[2] & 1) != 0,
            frame.Slice(20, NonceLength).ToArray(),
            frame.Slice(36, IdentityLength).ToArray(),
            frame.Slice(52, KeyLength).ToArray());
        return true;
    }

    public static byte[] WriteWelcome(int from, int to, long unixMs, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> secret)
    {
        var frame = new byte[WelcomeLength];
        frame[0] = KindWelcome;
        frame[1] = Version;
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), from);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(8), to);
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(12), unixMs);
        nonce.CopyTo(frame.AsSpan(20, NonceLength));
        HMACSHA256.HashData(secret, frame.AsSpan(0, WelcomeMacOffset), frame.AsSpan(WelcomeMacOffset));
        return frame;
    }

    /// <summary>True when <paramref name="frame"/> is a WELCOME from <paramref name="from"/> to <paramref name="to"/> echoing <paramref name="nonce"/>, with a valid MAC.</summary>
    public static bool IsWelcome(ReadOnlySpan<byte> frame, ReadOnlySpan<byte> secret, int from, int to, ReadOnlySpan<byte> nonce) =>
        frame.Length == WelcomeLength && frame[0] == KindWelcome && frame[1] == Version
        && MacMatches(secret, frame, WelcomeMacOffset)
        && BinaryPrimitives.ReadInt32LittleEndian(frame[4..]) == from
        && BinaryPrimitives.ReadInt32LittleEndian(frame[8..]) == to
        && CryptographicOperations.FixedTimeEquals(frame.Slice(20, NonceLength), nonce);

    public static byte[] DeriveConnectionKey(ReadOnlySpan<byte> secret, int from, int to, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> identity)
    {
        Span<byte> input = stackalloc byte[4 + 4 + 4 + NonceLength + IdentityLength];
        DataKeyLabel.CopyTo(input);
        BinaryPrimitives.WriteInt32LittleEndian(input[4..], from);
        BinaryPrimitives.WriteInt32LittleEndian(input[8..], to);
        nonce.CopyTo(input[12..]);
        identity.CopyTo(input[(12 + NonceLength)..]);
        return HMACSHA256.HashData(secret, input);
    }

    public static void WriteDataHeader(Span<byte> frame, int count, ulong sequence)
    {
        frame[0] = KindData;
        frame[1] = Version;
        frame[2] = 0;
        frame[3] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(frame[4..], (uint)count);
        BinaryPrimitives.WriteUInt64LittleEndian(frame[8..], sequence);
    }

    /// <summary>Writes the truncated MAC of <c>frame[..^16]</c> into <c>frame[^16..]</c>.</summary>
    public static void SealData(IncrementalHash mac, Span<byte> frame)
    {
        Span<byte> full = stackalloc byte[32];
        mac.AppendData(frame[..^DataMacLength]);
        mac.GetHashAndReset(full);
        full[..DataMacLength].CopyTo(frame[^DataMacLength..]);
    }

    public static bool DataMacMatches(IncrementalHash mac, ReadOnlySpan<byte> frame)
    {
        Span<byte> full = stackalloc byte[32];
        mac.AppendData(frame[..^DataMacLength]);
        mac.GetHashAndReset(full);
        return CryptographicOperations.FixedTimeEquals(full[..DataMacLength], frame[^DataMacLength..]);
    }

    /// <summary>
    /// Checks that <paramref name="body"/> holds exactly <paramref name="count"/> length-prefixed messages, none
    /// longer than <paramref name="maxMessage"/>.
    /// </summary>
    public static bool IsWellFormedBody(ReadOnlySpan<byte> body, uint count, int maxMessage, out long payloadBytes)
    {
        payloadBytes = 0;
        var offset = 0;
        for (uint i = 0; i < count; i++)
        {
            if (body.Length - offset < LengthPrefix)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(body[offset..]);
            offset += LengthPrefix;
            if (length > (uint)maxMessage || length > (uint)(body.Length - offset))
            {
                return false;
            }

            offset += (int)length;
            payloadBytes += length;
        }

        return offset == body.Length;
    }

    private static bool MacMatches(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> frame, int macOffset)
    {
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(secret, frame[..macOffset], expected);
        return CryptographicOperations.FixedTimeEquals(expected, frame.Slice(macOffset, 32));
    }

    internal readonly record struct Hello(int From, int To, long UnixMs, bool Secure, byte[] Nonce, byte[] Identity, byte[] PublicKey);
}

/// <summary>A 16-byte value (routing identity or nonce) usable as a dictionary key without allocating.</summary>
internal readonly record struct Key128(ulong High, ulong Low)
{
    public static Key128 From(ReadOnlySpan<byte> sixteen) =>
        new(BinaryPrimitives.ReadUInt64LittleEndian(sixteen), BinaryPrimitives.ReadUInt64LittleEndian(sixteen[8..]));
}
