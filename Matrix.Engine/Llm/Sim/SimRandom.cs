namespace Matrix.Engine.Llm.Sim;

/// <summary>
/// xoshiro256** seeded through SplitMix64, implemented here so that the simulated LLM's answers never
/// depend on the algorithm behind <see cref="Random"/> (which .NET may change). A mutable struct: pass it by ref.
/// </summary>
public struct SimRandom
{
    private ulong _s0;
    private ulong _s1;
    private ulong _s2;
    private ulong _s3;

    /// <summary>A stream seeded from <paramref name="seed"/>; a responder gets one seeded from the request.</summary>
    public SimRandom(ulong seed)
    {
        _s0 = SplitMix(ref seed);
        _s1 = SplitMix(ref seed);
        _s2 = SplitMix(ref seed);
        _s3 = SplitMix(ref seed);
    }

    /// <summary>The next 64 uniform bits.</summary>
    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1), 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="count"/>) (Lemire's multiply-high; the tiny bias does not matter here).</summary>
    public int Next(int count) => count <= 1 ? 0 : (int)Math.BigMul(NextUInt64(), (ulong)count, out _);

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>An element of <paramref name="items"/>, uniformly.</summary>
    public T Pick<T>(T[] items) => items[Next(items.Length)];

    private static ulong SplitMix(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return StableHash.Mix(state);
    }
}
