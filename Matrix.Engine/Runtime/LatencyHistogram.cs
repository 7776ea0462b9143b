using System.Numerics;

namespace Matrix.Engine.Runtime;

/// <summary>
/// A lock-free histogram of durations in nanoseconds with fixed log-linear buckets: recording is one
/// bucket computation and one <see cref="Interlocked.Increment(ref long)"/>, from any number of threads;
/// histograms of several ranks merge by adding their bucket arrays.
/// </summary>
/// <remarks>
/// Precision: values below 32 ns have a bucket each (exact). Above, every power of two [2^e, 2^(e+1)) is
/// split into 32 equal buckets, so a bucket is at most 1/32 of its lower bound wide, and a percentile
/// reported as its bucket's midpoint is within 1/64 (1.6%) of the true sample value. Values from 2^51 ns
/// (26 days) up share the last bucket.
/// <para>
/// Hops of one latency mostly hit one bucket, so the counts are striped by the processor the caller runs
/// on: cores increment their own copy of the buckets instead of passing one cache line back and forth
/// (the increment stays interlocked: a thread can move between cores). A snapshot adds the stripes.
/// </para>
/// </remarks>
internal sealed class LatencyHistogram
{
    private readonly long[][] _stripes;
    private readonly int _mask;

    public LatencyHistogram()
    {
        var stripes = (int)Math.Min(16, BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount));
        _mask = stripes - 1;
        _stripes = new long[stripes][];
        for (var i = 0; i < stripes; i++)
        {
            _stripes[i] = new long[LatencyBuckets.Count];
        }
    }

    public void Record(long nanoseconds) =>
        Interlocked.Increment(ref _stripes[Thread.GetCurrentProcessorId() & _mask][LatencyBuckets.IndexOf(nanoseconds)]);

    /// <summary>The counts now (each bucket read atomically; buckets recorded meanwhile may or may not be in).</summary>
    public LatencyHistogramSnapshot Snapshot()
    {
        var counts = new long[LatencyBuckets.Count];
        foreach (var stripe in _stripes)
        {
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] += Interlocked.Read(ref stripe[i]);
            }
        }

        return new LatencyHistogramSnapshot(counts);
    }
}

/// <summary>The bucket layout shared by every <see cref="LatencyHistogram"/> (see its remarks for the precision).</summary>
public static class LatencyBuckets
{
    /// <summary>Sub-buckets per power of two: 2^5 = 32.</summary>
    public const int SubBits = 5;

    /// <summary>The last power of two with buckets of its own; larger values go to the last bucket.</summary>
    public const int MaxExponent = 50;

    private const int Sub = 1 << SubBits;

    /// <summary>32 exact buckets, then 32 per power of two from 2^5 to 2^50: 1504 buckets.</summary>
    public const int Count = Sub + ((MaxExponent - SubBits + 1) * Sub);

    public static int IndexOf(long value)
    {
        if (value < Sub)
        {
            return value <= 0 ? 0 : (int)value;
        }

        var exponent = BitOperations.Log2((ulong)value);
        if (exponent > MaxExponent)
        {
            return Count - 1;
        }

        var sub = (int)(value >> (exponent - SubBits)) - Sub;
        return Sub + ((exponent - SubBits) * Sub) + sub;
    }

    /// <summary>The smallest value of bucket <paramref name="index"/>.</summary>
    public static long LowerBound(int index)
    {
        if (index < Sub)
        {
            return index;
        }

        var exponent = ((index - Sub) / Sub) + SubBits;
        var sub = (index - Sub) % Sub;
        return (1L << exponent) + ((long)sub << (exponent - SubBits));
    }

    /// <summary>How many values bucket <paramref name="index"/> holds.</summary>
    public static long Width(int index) => index < Sub ? 1 : 1L << ((index - Sub) / Sub);
}

/// <summary>
/// A histogram's counts at one moment; what ranks send to rank 0 and the manifest's percentiles come from.
/// Trailing empty buckets may be left off (<see cref="Trimmed"/>), which changes nothing.
/// </summary>
public sealed class LatencyHistogramSnapshot
{
    private readonly long[] _counts;

    public LatencyHistogramSnapshot(long[] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Length > LatencyBuckets.Count)
        {
            throw new ArgumentException($"a latency histogram has at most {LatencyBuckets.Count} buckets, got {counts.Length}", nameof(counts));
        }

        _counts = counts;
        Count = counts.Sum();
    }

    public static LatencyHistogramSnapshot Empty { get; } = new([]);

    /// <summary>Recorded values.</summary>
    public long Count { get; }

    /// <summary>Counts per bucket of <see cref="LatencyBuckets"/>.</summary>
    public IReadOnlyList<long> Counts => _counts;

    /// <summary>
    /// The value at quantile <paramref name="q"/> (0..1, nearest rank), in nanoseconds: the midpoint of the bucket
    /// that holds it (exact below 32 ns, else within 1.6%). 0 when nothing was recorded.
    /// </summary>
    public double Percentile(double q)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Clamp((long)Math.Ceiling(q * Count), 1, Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                var width = LatencyBuckets.Width(i);
                return width == 1 ? LatencyBuckets.LowerBound(i) : LatencyBuckets.LowerBound(i) + ((width - 1) / 2.0);
            }
        }

        return LatencyBuckets.LowerBound(_counts.Length - 1);
    }

    /// <summary>The counts without trailing empty buckets: what goes on the wire.</summary>
    public long[] Trimmed()
    {
        var length = _counts.Length;
        while (length > 0 && _counts[length - 1] == 0)
        {
            length--;
        }

        return _counts[..length];
    }

    /// <summary>Adds the counts bucket by bucket: the histogram of every value recorded in any of them.</summary>
    public static LatencyHistogramSnapshot Merge(IEnumerable<LatencyHistogramSnapshot> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var list = parts.ToList();
        var sum = new long[list.Count == 0 ? 0 : list.Max(p => p._counts.Length)];
        foreach (var part in list)
        {
            for (var i = 0; i < part._counts.Length; i++)
            {
                sum[i] += part._counts[i];
            }
        }

        return new LatencyHistogramSnapshot(sum);
    }
}
