using System.Text;
using Matrix.Engine.Store;
using Matrix.Store.Content;

namespace Matrix.Tests.Store;

[TestClass]
public sealed class ContentStoreTests
{
    // ASCII, 2-, 3- and 4-byte UTF-8 (a surrogate pair), so chunk boundaries fall inside characters.
    private static readonly string[] Pieces = ["a", "b", "Z", " ", "\n", "é", "ß", "ю", "日", "本", "😀"];

    private string _root = "";

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestInitialize]
    public void CreateRoot() =>
        _root = Path.Combine(Path.GetTempPath(), "matrix-content-tests", Guid.NewGuid().ToString("N"));

    [TestCleanup]
    public void DeleteRoot()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [TestMethod]
    [DataRow(0L, DisplayName = "default pages")]
    [DataRow(16L << 10, DisplayName = "16 KiB pages: 4 KiB chunks")]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task Put_then_get_round_trips_any_size_and_script(long pageBytes)
    {
        var options = Options(rank: 3) with { PageBytes = pageBytes == 0 ? null : pageBytes };
        await using var store = FasterContentStore.Open(options);
        int[] sizes = [0, 1, 2, 3, 100, 511, 512, 513, 1000, 4095, 4096, 4097, 8192, 16_383, 65_536, 100_000, 102_400];
        var texts = sizes.Select((chars, i) => Text(i, chars)).Append("plain ascii").Append("😀").Append(new string('x', store.ChunkBytes)).ToList();

        var refs = new List<ContentRef>();
        foreach (var text in texts)
        {
            var reference = await store.PutAsync("task", text, Ct);
            Assert.AreEqual(3, reference.OwnerRank);
            Assert.AreEqual(Encoding.UTF8.GetByteCount(text), reference.Length);
            Assert.AreEqual(text, await store.GetAsync(reference, Ct));
            refs.Add(reference);
        }

        Assert.HasCount(texts.Count, refs.Select(r => r.Key).Distinct().ToList());
        for (var i = 0; i < texts.Count; i++)
        {
            Assert.AreEqual(texts[i], await store.GetAsync(refs[i], Ct));
        }

        var stats = store.Statistics;
        Assert.AreEqual(texts.Count, stats.Puts);
        Assert.AreEqual(2L * texts.Count, stats.Gets);
        Assert.AreEqual(0, stats.Frees);
        Assert.AreEqual(texts.Count, stats.LiveEntries);
        Assert.AreEqual(texts.Sum(t => (long)Encoding.UTF8.GetByteCount(t)), stats.BytesPut);
        Assert.AreEqual(stats.BytesPut, stats.BytesStored);
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Two_hundred_thousand_values_with_1_MiB_of_memory_spill_to_disk_and_read_back()
    {
        const int count = 200_000;
        const int perTask = 100;
        await using var store = FasterContentStore.Open(Options() with { MemoryBytes = 1L << 20 });
        var refs = new ContentRef[count];
        long bytes = 0;
        for (var i = 0; i < count; i++)
        {
            var text = Text(i, 120 + (i % 60));
            refs[i] = await store.PutAsync(TaskOf(i), text, Ct);
            bytes += refs[i].Length;
        }

        Assert.IsGreaterThan(45L << 20, bytes);
        var stats = store.Statistics;
        Assert.AreEqual(count, stats.LiveEntries);
        Assert.AreEqual(bytes, stats.BytesStored);
        Assert.IsLessThanOrEqualTo(1L << 20, stats.LogMemoryBytes);
        Assert.IsGreaterThan(45L << 20, stats.LogDiskBytes);

        // Eight readers: every value comes back, almost all of them from disk (the pending path).
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (i, ct) =>
            Assert.AreEqual(Text(i, 120 + (i % 60)), await store.GetAsync(refs[i], ct)));
        stats = store.Statistics;
        Assert.AreEqual(count, stats.Gets);
        Assert.IsGreaterThan(count * 9L / 10, stats.DiskReads);

        // Freeing the older half gives back the log files that held only freed content; the rest still reads.
        var diskBefore = LogFileBytes(store);
        for (var t = 0; t < count / perTask / 2; t++)
        {
            await store.FreeAsync(TaskOf(t * perTask), Ct);
        }

        store.ReclaimDiskSpace();
        stats = store.Statistics;
        Assert.AreEqual(count / 2, stats.LiveEntries);
        Assert.AreEqual(count / 2, stats.Frees);
        Assert.IsGreaterThan(20L << 20, stats.ReclaimedBytes);
        Assert.IsLessThan(diskBefore - (20L << 20), LogFileBytes(store));
        for (var i = 0; i < count; i += i < count / 2 ? 97 : 1)
        {
            if (i < count / 2)
            {
                var e = await Assert.ThrowsExactlyAsync<KeyNotFoundException>(async () => await store.GetAsync(refs[i], Ct));
                Assert.Contains(refs[i].Key.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
            }
            else
            {
                Assert.AreEqual(Text(i, 120 + (i % 60)), await store.GetAsync(refs[i], Ct));
            }
        }

        for (var t = count / perTask / 2; t < count / perTask; t++)
        {
            await store.FreeAsync(TaskOf(t * perTask), Ct);
        }

        stats = store.Statistics;
        Assert.AreEqual(0, stats.LiveEntries);
        Assert.AreEqual(0, stats.BytesStored);
        Assert.AreEqual(count, stats.Frees);
        Assert.AreEqual(bytes, stats.BytesPut);

        static string TaskOf(int i) => $"task-{i / perTask}";
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Eight_concurrent_workers_put_get_and_free_consistently()
    {
        const int workers = 8;
        const int operations = 5_000;
        const int perTask = 25;
        // 64 KiB of log memory (4 KiB pages, 1 KiB chunks): most content takes several chunks, and the
        // re-reads before each free go to disk.
        await using var store = FasterContentStore.Open(Options() with { MemoryBytes = FasterContentStore.MinMemoryBytes });
        var chunkBytes = store.ChunkBytes;
        long puts = 0;
        long gets = 0;

        await Parallel.ForAsync(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = Ct }, async (w, ct) =>
        {
            var random = new Random(w);
            var live = new List<(ContentRef Ref, string Text)>();
            var done = 0;
            var taskId = "";
            for (var i = 0; done < operations; i++)
            {
                taskId = $"w{w}-task{i / perTask}";

                // Up to a few chunks, sometimes dozens.
                var chars = i % 61 == 0 ? (16 * chunkBytes) + random.Next(16 * chunkBytes) : random.Next(3000);
                var text = Text((w * 1_000_000) + i, chars);
                var reference = await store.PutAsync(taskId, text, ct);
                live.Add((reference, text));
                Interlocked.Increment(ref puts);
                Assert.AreEqual(text, await store.GetAsync(reference, ct));
                var earlier = live[random.Next(live.Count)];
                Assert.AreEqual(earlier.Text, await store.GetAsync(earlier.Ref, ct));
                Interlocked.Add(ref gets, 2);
                done += 3;

                if (i % perTask == perTask - 1)
                {
                    foreach (var (stored, storedText) in live)
                    {
                        Assert.AreEqual(storedText, await store.GetAsync(stored, ct));
                    }

                    Interlocked.Add(ref gets, live.Count);
                    await store.FreeAsync(taskId, ct);
                    done++;
                    foreach (var (freed, _) in live)
                    {
                        await Assert.ThrowsExactlyAsync<KeyNotFoundException>(async () => await store.GetAsync(freed, ct));
                    }

                    live.Clear();
                }
            }

            await store.FreeAsync(taskId, ct);
        });

        var stats = store.Statistics;
        Assert.AreEqual(puts, stats.Puts);
        Assert.AreEqual(gets, stats.Gets);
        Assert.AreEqual(puts, stats.Frees);
        Assert.AreEqual(0, stats.LiveEntries);
        Assert.AreEqual(0, stats.BytesStored);
        Assert.IsGreaterThan(0, stats.DiskReads);

        // Frees gave back the log files behind the oldest live content while the workers ran.
        Assert.IsGreaterThan(stats.LogBytes, stats.ReclaimedBytes);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Free_releases_only_that_tasks_entries()
    {
        await using var store = FasterContentStore.Open(Options() with { PageBytes = 16L << 10 });
        var a = new[] { Text(1, 600), Text(2, 5000), Text(3, 0) };
        var b = new[] { Text(4, 700), Text(5, 9000) };
        var aRefs = new List<ContentRef>();
        var bRefs = new List<ContentRef>();
        foreach (var text in a)
        {
            aRefs.Add(await store.PutAsync("a", text, Ct));
        }

        foreach (var text in b)
        {
            bRefs.Add(await store.PutAsync("b", text, Ct));
        }

        await store.FreeAsync("a", Ct);

        foreach (var reference in aRefs)
        {
            var e = await Assert.ThrowsExactlyAsync<KeyNotFoundException>(async () => await store.GetAsync(reference, Ct));
            Assert.Contains($"key {reference.Key}", e.Message);
        }

        for (var i = 0; i < b.Length; i++)
        {
            Assert.AreEqual(b[i], await store.GetAsync(bRefs[i], Ct));
        }

        var bBytes = b.Sum(t => (long)Encoding.UTF8.GetByteCount(t));
        var expected = new ContentStoreStatistics(
            Puts: 5,
            Gets: 2,
            Frees: 3,
            BytesStored: bBytes,
            BytesPut: bBytes + a.Sum(t => (long)Encoding.UTF8.GetByteCount(t)),
            LiveEntries: 2,
            DiskReads: 0,
            LogMemoryBytes: 0,
            LogDiskBytes: 0,
            LogBytes: 0,
            ReclaimedBytes: 0);
        Assert.AreEqual(expected, Counters(store.Statistics));

        // Freeing again, or a task with no content, changes nothing.
        await store.FreeAsync("a", Ct);
        await store.FreeAsync("never-put", Ct);
        Assert.AreEqual(expected, Counters(store.Statistics));

        // The task id can be used again after its free.
        var again = await store.PutAsync("a", "again", Ct);
        Assert.AreEqual("again", await store.GetAsync(again, Ct));
        await store.FreeAsync("b", Ct);
        await store.FreeAsync("a", Ct);
        var stats = store.Statistics;
        Assert.AreEqual(0, stats.LiveEntries);
        Assert.AreEqual(0, stats.BytesStored);
        Assert.AreEqual(6, stats.Frees);

        static ContentStoreStatistics Counters(ContentStoreStatistics s) =>
            s with { DiskReads = 0, LogMemoryBytes = 0, LogDiskBytes = 0, LogBytes = 0, ReclaimedBytes = 0 };
    }

    [TestMethod]
    public async Task A_ref_owned_by_another_rank_is_refused()
    {
        await using var store = FasterContentStore.Open(Options(rank: 1));
        var own = await store.PutAsync("t", Text(7, 1000), Ct);
        var foreign = own with { OwnerRank = 2 };

        var e = await Assert.ThrowsExactlyAsync<InvalidOperationException>(async () => await store.GetAsync(foreign, Ct));
        Assert.Contains("rank 2", e.Message);
        Assert.AreEqual(Text(7, 1000), await store.GetAsync(own, Ct));
    }

    [TestMethod]
    public async Task A_key_never_put_is_not_found()
    {
        await using var store = FasterContentStore.Open(Options());
        await Assert.ThrowsExactlyAsync<KeyNotFoundException>(async () => await store.GetAsync(new ContentRef(0, 12345, 10), Ct));
        await Assert.ThrowsExactlyAsync<KeyNotFoundException>(async () => await store.GetAsync(default, Ct));
    }

    [TestMethod]
    public async Task Dispose_deletes_the_directory()
    {
        var options = Options();
        var store = FasterContentStore.Open(options);
        await store.PutAsync("t", Text(1, 2000), Ct);
        Assert.IsTrue(Directory.Exists(options.Directory));

        await store.DisposeAsync();
        Assert.IsFalse(Directory.Exists(options.Directory));
        await Assert.ThrowsExactlyAsync<ObjectDisposedException>(async () => await store.PutAsync("t", "x", Ct));
        await store.DisposeAsync();
    }

    [TestMethod]
    public async Task KeepFiles_keeps_the_directory_and_the_next_open_starts_empty()
    {
        var options = Options() with { KeepFiles = true, MemoryBytes = 1L << 20 };
        await using (var store = FasterContentStore.Open(options))
        {
            for (var i = 0; i < 10_000; i++)
            {
                await store.PutAsync("t", Text(i, 300), Ct);
            }
        }

        Assert.IsTrue(Directory.Exists(options.Directory));
        Assert.IsNotEmpty(Directory.GetFiles(options.Directory, "content.log.*"));

        await using (var store = FasterContentStore.Open(options with { KeepFiles = false }))
        {
            Assert.AreEqual(0, store.Statistics.LiveEntries);
            var fresh = await store.PutAsync("t", "fresh", Ct);
            Assert.AreEqual("fresh", await store.GetAsync(fresh, Ct));
        }

        Assert.IsFalse(Directory.Exists(options.Directory));
    }

    [TestMethod]
    public async Task A_directory_serves_one_store_at_a_time()
    {
        var options = Options();
        await using var first = FasterContentStore.Open(options);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => FasterContentStore.Open(options with { Rank = 1 }));
        Assert.Contains(options.Directory, e.Message);
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task Dispose_waits_for_operations_in_flight()
    {
        var store = FasterContentStore.Open(Options() with { MemoryBytes = 1L << 20 });
        var started = 0;
        var workers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                try
                {
                    var reference = await store.PutAsync($"w{w}", Text(i, 1500), Ct);
                    Interlocked.Increment(ref started);
                    Assert.AreEqual(Text(i, 1500), await store.GetAsync(reference, Ct));
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        }, Ct)).ToArray();

        while (Volatile.Read(ref started) < 4000)
        {
            await Task.Yield();
        }

        await store.DisposeAsync();
        await Task.WhenAll(workers);
    }

    [TestMethod]
    public void Options_are_validated_after_rounding_to_powers_of_two()
    {
        var options = Options();
        Assert.AreEqual("PageBytes", Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => FasterContentStore.Open(options with { MemoryBytes = (1L << 20) + 5, PageBytes = (1L << 20) + 5 })).ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FasterContentStore.Open(options with { MemoryBytes = 1000 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FasterContentStore.Open(options with { PageBytes = 1000 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => FasterContentStore.Open(options with { Rank = -1 }));
        Assert.AreEqual("SegmentBytes", Assert.ThrowsExactly<ArgumentOutOfRangeException>(
            () => FasterContentStore.Open(options with { PageBytes = 1L << 20, SegmentBytes = 64L << 10 })).ParamName);
        Assert.IsFalse(Directory.Exists(options.Directory));
    }

    private ContentStoreOptions Options(int rank = 0) =>
        new() { Directory = Path.Combine(_root, ".work", $"rank-{rank}"), Rank = rank };

    private static long LogFileBytes(FasterContentStore store) =>
        Directory.GetFiles(store.Directory, "content.log.*").Sum(f => new FileInfo(f).Length);

    /// <summary>A string of about <paramref name="chars"/> UTF-16 chars, a function of <paramref name="seed"/>.</summary>
    private static string Text(int seed, int chars)
    {
        var random = new Random(seed);
        var text = new StringBuilder(chars + 2);
        while (text.Length < chars)
        {
            text.Append(Pieces[random.Next(Pieces.Length)]);
        }

        return text.ToString();
    }
}
