using Matrix.Engine.Runtime;

namespace Matrix.Tests.Engine;

/// <summary>The lock-free log-linear latency histogram: bucket layout, percentiles within 1/64, merging.</summary>
[TestClass]
public sealed class LatencyHistogramTests
{
    private static double Exact(long[] sorted, double q) => sorted[(int)Math.Clamp(Math.Ceiling(q * sorted.Length), 1, sorted.Length) - 1];

    [TestMethod]
    public void Every_value_falls_in_the_bucket_that_spans_it_and_buckets_are_at_most_a_32nd_wide()
    {
        var random = new Random(11);
        for (var i = 0; i < 100_000; i++)
        {
            var value = (long)Math.Exp(random.NextDouble() * Math.Log(1L << 50));
            var index = LatencyBuckets.IndexOf(value);
            var low = LatencyBuckets.LowerBound(index);
            var width = LatencyBuckets.Width(index);
            Assert.IsTrue(low <= value && value < low + width, $"{value} in bucket {index} [{low}, {low + width})");
            Assert.IsTrue(width == 1 || width <= low / 32.0, $"bucket {index}: width {width} at {low}");
        }

        Assert.AreEqual(0, LatencyBuckets.IndexOf(-5));
        Assert.AreEqual(31, LatencyBuckets.IndexOf(31));
        Assert.AreEqual(LatencyBuckets.Count - 1, LatencyBuckets.IndexOf(long.MaxValue));
        for (var index = 1; index < LatencyBuckets.Count; index++)
        {
            Assert.AreEqual(LatencyBuckets.LowerBound(index - 1) + LatencyBuckets.Width(index - 1), LatencyBuckets.LowerBound(index), $"bucket {index} follows bucket {index - 1}");
        }
    }

    [TestMethod]
    public void Small_values_are_exact()
    {
        var histogram = new LatencyHistogram();
        foreach (var v in new long[] { 3, 3, 7, 20, 31 })
        {
            histogram.Record(v);
        }

        var snapshot = histogram.Snapshot();
        Assert.AreEqual(5L, snapshot.Count);
        Assert.AreEqual(3.0, snapshot.Percentile(0.2));
        Assert.AreEqual(7.0, snapshot.Percentile(0.5));
        Assert.AreEqual(31.0, snapshot.Percentile(0.99));
        Assert.AreEqual(0.0, LatencyHistogramSnapshot.Empty.Percentile(0.5));
    }

    [TestMethod]
    public void Percentiles_of_a_heavy_tailed_sample_are_within_a_64th_of_the_exact_ones()
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, 50_000).Select(_ => (long)(20_000 * Math.Exp(random.NextDouble() * random.NextDouble() * 12))).ToArray();
        var histogram = new LatencyHistogram();
        foreach (var v in values)
        {
            histogram.Record(v);
        }

        Array.Sort(values);
        var snapshot = histogram.Snapshot();
        foreach (var q in new[] { 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0 })
        {
            var exact = Exact(values, q);
            Assert.AreEqual(exact, snapshot.Percentile(q), exact / 64, $"p{q * 100}");
        }
    }

    [TestMethod]
    public void Merged_histograms_equal_the_histogram_of_all_values_also_through_trimmed_counts()
    {
        var random = new Random(3);
        var fast = Enumerable.Range(0, 10_000).Select(_ => (long)random.Next(1_000, 50_000)).ToArray();
        var slow = Enumerable.Range(0, 500).Select(_ => (long)random.Next(5_000_000, 90_000_000)).ToArray();
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var all = new LatencyHistogram();
        foreach (var v in fast)
        {
            a.Record(v);
            all.Record(v);
        }

        foreach (var v in slow)
        {
            b.Record(v);
            all.Record(v);
        }

        // As ranks send them: trailing empty buckets left off, and of different lengths.
        var sentA = new LatencyHistogramSnapshot(a.Snapshot().Trimmed());
        var sentB = new LatencyHistogramSnapshot(b.Snapshot().Trimmed());
        Assert.IsLessThan(sentB.Counts.Count, sentA.Counts.Count);
        var merged = LatencyHistogramSnapshot.Merge([sentA, sentB]);

        CollectionAssert.AreEqual(all.Snapshot().Trimmed(), merged.Trimmed());
        Assert.AreEqual(10_500L, merged.Count);
        var sorted = fast.Concat(slow).Order().ToArray();
        Assert.AreEqual(Exact(sorted, 0.99), merged.Percentile(0.99), Exact(sorted, 0.99) / 64);
        Assert.IsGreaterThan(5_000_000.0, merged.Percentile(0.99), "the slow rank's tail shows in the job's p99");
    }

    [TestMethod]
    public async Task Concurrent_recording_loses_nothing()
    {
        var histogram = new LatencyHistogram();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                histogram.Record(100 + (i % 3));
            }
        })));

        var snapshot = histogram.Snapshot();
        Assert.AreEqual(400_000L, snapshot.Count);
        Assert.AreEqual(400_000L, snapshot.Counts.Skip(LatencyBuckets.IndexOf(100)).Take(3).Sum(), "every value is in the buckets of 100 to 102");
    }

    [TestMethod]
    public void Latency_summaries_merge_and_give_the_queued_share_of_the_sums()
    {
        var one = new LatencySummary(new LatencyHistogramSnapshot([0, 2]), new LatencyHistogramSnapshot([0, 0, 1]), QueuedNanoseconds: 10, TaskNanoseconds: 100);
        var two = new LatencySummary(new LatencyHistogramSnapshot([1]), new LatencyHistogramSnapshot([0, 0, 3]), QueuedNanoseconds: 50, TaskNanoseconds: 300);

        var merged = LatencySummary.Merge([one, two]);

        Assert.AreEqual(3L, merged.Hops.Count);
        Assert.AreEqual(4L, merged.Tasks.Count);
        Assert.AreEqual(60.0 / 400, merged.QueuedShare, 1e-12);
        Assert.AreEqual(0.0, LatencySummary.Empty.QueuedShare);
    }
}
