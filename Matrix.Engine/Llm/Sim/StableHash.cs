namespace Matrix.Engine.Llm.Sim;

/// <summary>
/// Hashes that never change between runs, processes or .NET versions (unlike <see cref="string.GetHashCode()"/>):
/// FNV-1a over UTF-16 code units or bytes, and SplitMix64's finalizer to spread the bits.
/// Used for sticky routing, the simulated LLM's seeds and the sim-server's fault selection.
/// </summary>
public static class StableHash
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    /// <summary>FNV-1a of <paramref name="text"/> (null hashes like empty).</summary>
    public static ulong Of(string? text) => Of(text.AsSpan(), Offset);

    /// <summary>FNV-1a of <paramref name="text"/>'s UTF-16 code units, continuing from <paramref name="hash"/>.</summary>
    public static ulong Of(ReadOnlySpan<char> text, ulong hash = Offset)
    {
        foreach (var c in text)
        {
            hash = (hash ^ (byte)c) * Prime;
            hash = (hash ^ (byte)(c >> 8)) * Prime;
        }

        return hash;
    }

    /// <summary>FNV-1a of <paramref name="bytes"/>, continuing from <paramref name="hash"/>.</summary>
    public static ulong Of(ReadOnlySpan<byte> bytes, ulong hash = Offset)
    {
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * Prime;
        }

        return hash;
    }

    /// <summary>SplitMix64's finalizer: every input bit affects every output bit.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }

    /// <summary>A bucket in [0, <paramref name="count"/>) for <paramref name="key"/>; <paramref name="salt"/> decorrelates users of the same key.</summary>
    public static int Bucket(string? key, ulong salt, int count) =>
        count <= 1 ? 0 : (int)(Mix(Of(key) ^ salt) % (ulong)count);

    /// <summary>A uniform double in [0, 1) from a hash.</summary>
    public static double Unit(ulong hash) => (hash >> 11) * (1.0 / (1UL << 53));
}
