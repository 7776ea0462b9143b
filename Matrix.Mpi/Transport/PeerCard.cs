using System.Buffers.Binary;
using System.Text;

namespace Matrix.Mpi.Transport;

/// <summary>
/// What each rank contributes to the Allgather: its endpoint, its Curve public key and, from rank 0 only,
/// the job secret. Layout: u8 version=1 | u8 flags (bit 0: secure) | u16 LE endpoint length | endpoint
/// (UTF-8) | u8 key length (0 or 32) | key | u8 secret length (0 or 32) | secret.
/// </summary>
internal sealed class PeerCard(bool secure, string endpoint, byte[] publicKey, byte[] secret)
{
    private const byte Version = 1;

    public bool Secure { get; } = secure;

    public string Endpoint { get; } = endpoint;

    public byte[] PublicKey { get; } = publicKey;

    /// <summary>The job secret (rank 0's card only); never printed.</summary>
    public byte[] Secret { get; } = secret;

    public byte[] Encode()
    {
        var endpoint = Encoding.UTF8.GetBytes(Endpoint);
        var buffer = new byte[1 + 1 + 2 + endpoint.Length + 1 + PublicKey.Length + 1 + Secret.Length];
        var span = buffer.AsSpan();
        span[0] = Version;
        span[1] = Secure ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], checked((ushort)endpoint.Length));
        var offset = 4;
        endpoint.CopyTo(span[offset..]);
        offset += endpoint.Length;
        span[offset++] = checked((byte)PublicKey.Length);
        PublicKey.CopyTo(span[offset..]);
        offset += PublicKey.Length;
        span[offset++] = checked((byte)Secret.Length);
        Secret.CopyTo(span[offset..]);
        return buffer;
    }

    public static PeerCard Decode(int rank, ReadOnlySpan<byte> data)
    {
        var error = $"rank {rank} published a malformed transport card ({data.Length} bytes)";
        if (data.Length < 6 || data[0] != Version)
        {
            throw new InvalidDataException(error);
        }

        var secure = (data[1] & 1) != 0;
        int endpointLength = BinaryPrimitives.ReadUInt16LittleEndian(data[2..]);
        var offset = 4;
        if (data.Length < offset + endpointLength + 2)
        {
            throw new InvalidDataException(error);
        }

        var endpoint = Encoding.UTF8.GetString(data.Slice(offset, endpointLength));
        offset += endpointLength;
        int keyLength = data[offset++];
        if ((keyLength != 0 && keyLength != WireFormat.KeyLength) || data.Length < offset + keyLength + 1)
        {
            throw new InvalidDataException(error);
        }

        var key = data.Slice(offset, keyLength).ToArray();
        offset += keyLength;
        int secretLength = data[offset++];
        if ((secretLength != 0 && secretLength != WireFormat.SecretLength) || data.Length != offset + secretLength)
        {
            throw new InvalidDataException(error);
        }

        return new PeerCard(secure, endpoint, key, data.Slice(offset, secretLength).ToArray());
    }
}
