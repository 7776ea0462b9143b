using Matrix.Engine.Output;
using Matrix.Store.Arrow;
using Matrix.Store.Arrow.Read;
using Matrix.Store.Arrow.Write;
using Matrix.Tests.Llm;
using Matrix.Tests.Support;

namespace Matrix.Tests.Store;

[TestClass]
public sealed class SinkFlushTests
{
    [TestMethod]
    public async Task Rows_older_than_the_flush_interval_are_written_on_the_next_write()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        var clock = new ManualTimeProvider();
        var options = PartTestData.Options(dir, rank: 0, rowsPerBatch: 1000) with { FlushInterval = TimeSpan.FromSeconds(1), Time = clock };
        await using var sink = new ArrowTaskSinkFactory().Create(options);

        for (var i = 0; i < 5; i++)
        {
            await sink.WriteAsync(PartTestData.MakeTask(i));
        }

        clock.Advance(TimeSpan.FromMilliseconds(600));
        await sink.WriteAsync(PartTestData.MakeTask(5));
        Assert.IsEmpty(PartReader.ListParts(dir), "the oldest row has waited 0.6 s");

        clock.Advance(TimeSpan.FromMilliseconds(500));
        await sink.WriteAsync(PartTestData.MakeTask(6));

        Assert.AreEqual(7, sink.Statistics.Rows);
        CollectionAssert.AreEqual(Ids(0, 7), ReadOpenPart(dir));

        // The clock restarts with the next row.
        await sink.WriteAsync(PartTestData.MakeTask(7));
        clock.Advance(TimeSpan.FromMilliseconds(999));
        await sink.WriteAsync(PartTestData.MakeTask(8));
        CollectionAssert.AreEqual(Ids(0, 7), ReadOpenPart(dir));

        clock.Advance(TimeSpan.FromMilliseconds(2));
        await sink.WriteAsync(PartTestData.MakeTask(9));
        CollectionAssert.AreEqual(Ids(0, 10), ReadOpenPart(dir));
        Assert.IsFalse(PartFiles.HasEndMarker(PartReader.ListParts(dir)[0]));
    }

    [TestMethod]
    public async Task Full_batches_waiting_in_the_file_buffer_are_flushed_to_the_OS_too()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        var clock = new ManualTimeProvider();
        var options = PartTestData.Options(dir, rank: 0, rowsPerBatch: 2) with { FlushInterval = TimeSpan.FromSeconds(1), Time = clock };
        await using var sink = new ArrowTaskSinkFactory().Create(options);

        for (var i = 0; i < 4; i++)
        {
            await sink.WriteAsync(PartTestData.MakeTask(i));
        }

        // Two batches were written, but to the file stream's buffer: the file is still empty.
        Assert.AreEqual(4, sink.Statistics.Rows);
        Assert.AreEqual(0, new FileInfo(PartReader.ListParts(dir)[0]).Length);

        clock.Advance(TimeSpan.FromSeconds(2));
        await sink.WriteAsync(PartTestData.MakeTask(4));

        CollectionAssert.AreEqual(Ids(0, 5), ReadOpenPart(dir));
    }

    [TestMethod]
    public async Task A_zero_interval_flushes_every_row()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        var options = PartTestData.Options(dir, rank: 0, rowsPerBatch: 1000) with { FlushInterval = TimeSpan.Zero, Time = new ManualTimeProvider() };
        await using var sink = new ArrowTaskSinkFactory().Create(options);

        for (var i = 0; i < 3; i++)
        {
            await sink.WriteAsync(PartTestData.MakeTask(i));
            CollectionAssert.AreEqual(Ids(0, i + 1), ReadOpenPart(dir));
        }
    }

    [TestMethod]
    public void Options_default_to_a_one_second_interval_and_reject_a_negative_one()
    {
        var options = new SinkOptions("x", 0, "unit", PartTestData.Columns);

        Assert.AreEqual(TimeSpan.FromSeconds(1), options.FlushInterval);
        Assert.IsNull(options.Time);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArrowTaskSinkFactory().Create(options with { FlushInterval = TimeSpan.FromSeconds(-1) }));
    }

    private static string[] Ids(int first, int count) => Enumerable.Range(first, count).Select(PartTestData.Id).ToArray();

    private static string[] ReadOpenPart(string dir)
    {
        var parts = PartReader.ListParts(dir);
        Assert.HasCount(1, parts);
        return PartReader.ReadFile(parts[0]).Select(r => r.Id).ToArray();
    }
}
