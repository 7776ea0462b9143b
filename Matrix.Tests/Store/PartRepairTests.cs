using System.Text.Json;
using Apache.Arrow.Ipc;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Output;
using Matrix.Engine.Scenarios;
using Matrix.Store.Arrow;
using Matrix.Store.Arrow.Read;
using Matrix.Store.Arrow.Repair;
using Matrix.Store.Arrow.Write;
using Matrix.Tests.Support;

namespace Matrix.Tests.Store;

[TestClass]
public sealed class PartRepairTests
{
    private const int RowsPerBatch = 20;
    private const int Rows = 130; // 6 whole batches and one of 10

    [TestMethod]
    public async Task A_part_cut_anywhere_is_rebuilt_from_its_whole_batches_or_set_aside()
    {
        using var temp = new TempDir();
        var source = temp["source"];
        var layout = await PartTestData.WriteAsync(source, rank: 0, first: 0, count: Rows, RowsPerBatch);
        await PartTestData.WriteAsync(source, rank: 0, first: Rows, count: 15, RowsPerBatch);
        var parts = PartReader.ListParts(source);
        Assert.HasCount(2, parts);
        var (cutName, intactName) = (Path.GetFileName(parts[0]), Path.GetFileName(parts[1]));
        var original = await File.ReadAllBytesAsync(parts[0]);
        var intact = await File.ReadAllBytesAsync(parts[1]);
        Assert.AreEqual(layout.End, original.Length);
        Assert.AreEqual(layout.BatchEnds[^1] + 8, original.Length, "the sink ends a part with the 8-byte end marker");

        var offsets = new SortedSet<long> { 0, 1, 5, layout.SchemaEnd - 1, layout.SchemaEnd, layout.SchemaEnd + 3, original.Length - 1, original.Length - 4 };
        for (var o = 97L; o < original.Length; o += 97)
        {
            offsets.Add(o);
        }

        foreach (var end in layout.BatchEnds)
        {
            offsets.UnionWith([end - 1, end, end + 4, end + 7]);
        }

        var lastStart = layout.BatchEnds[^2];
        offsets.UnionWith([lastStart + 8, lastStart + 100, (lastStart + layout.BatchEnds[^1]) / 2]);
        offsets.RemoveWhere(o => o < 0 || o >= original.Length);

        // Every case's surviving parts, gathered under distinct names for one run of the JavaScript reader.
        var gathered = temp["gathered"];
        Directory.CreateDirectory(gathered);
        var expectedIds = new List<string>();
        var caseNumber = 0;
        foreach (var cut in offsets)
        {
            var dir = temp[$"cut-{cut}"];
            Directory.CreateDirectory(dir);
            var cutPath = Path.Combine(dir, cutName);
            await File.WriteAllBytesAsync(cutPath, original.AsMemory(0, (int)cut));
            await File.WriteAllBytesAsync(Path.Combine(dir, intactName), intact);

            var report = PartRepair.Repair(dir);

            var batches = layout.BatchEnds.Count(e => e <= cut);
            var keptRows = layout.BatchRows.Take(batches).Sum();
            var message = $"cut at {cut} of {original.Length}, {batches} whole batches";
            CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFiles(dir, "*.repairing"), message);
            CollectionAssert.AreEqual(intact, await File.ReadAllBytesAsync(Path.Combine(dir, intactName)), message);
            CollectionAssert.AreEqual(original[..(int)cut], await File.ReadAllBytesAsync(Path.Combine(dir, PartRepair.DamagedFolder, cutName)), message);
            Assert.IsTrue(report.RowsLost is >= 0 and <= RowsPerBatch, message);
            if (batches == 0)
            {
                CollectionAssert.AreEqual(new[] { cutPath }, report.Repaired.Concat(report.SetAside).ToArray(), message);
                Assert.HasCount(1, report.SetAside, message);
                Assert.IsFalse(File.Exists(cutPath), message);
                Assert.AreEqual(0, report.RowsKept, message);
            }
            else
            {
                CollectionAssert.AreEqual(new[] { cutPath }, report.Repaired.ToArray(), message);
                Assert.IsEmpty(report.SetAside, message);
                Assert.AreEqual(keptRows, report.RowsKept, message);
                Assert.IsTrue(PartFiles.HasEndMarker(cutPath), message);
                CollectionAssert.AreEqual(
                    Enumerable.Range(0, keptRows).Select(PartTestData.Id).ToArray(),
                    PartReader.ReadFile(cutPath).Select(r => r.Id).ToArray(),
                    message);
                File.Copy(cutPath, Path.Combine(gathered, PartFiles.Name(caseNumber, 0)));
                expectedIds.AddRange(Enumerable.Range(0, keptRows).Select(PartTestData.Id));
            }

            // What remains reads completely; a second repair finds nothing to do.
            Assert.AreEqual(keptRows + 15, PartReader.ReadDirectory(dir).Count(), message);
            AssertReport(PartRepair.Repair(dir), [], [], 0, 0, message);
            caseNumber++;
        }

        Assert.IsGreaterThan(100, offsets.Count);
        using var json = await PartTestData.ReadWithNodeAsync(gathered);
        Assert.AreEqual(expectedIds.Count, json.RootElement.GetProperty("rows").GetInt32());
        CollectionAssert.AreEqual(
            expectedIds,
            json.RootElement.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList());
    }

    [TestMethod]
    public async Task A_cut_inside_the_last_batch_keeps_the_others_and_counts_the_lost_rows()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        var layout = await PartTestData.WriteAsync(dir, rank: 0, first: 0, count: Rows, RowsPerBatch);
        var part = PartReader.ListParts(dir)[0];
        Truncate(part, layout.BatchEnds[^1] - 5);

        var report = PartRepair.Repair(dir);

        Assert.AreEqual(Rows - layout.BatchRows[^1], report.RowsKept);
        Assert.AreEqual(layout.BatchRows[^1], report.RowsLost, "the torn batch's metadata is whole, so its row count is known");
        Assert.AreEqual(Rows - layout.BatchRows[^1], PartReader.ReadFile(part).Count());
        using var json = await PartTestData.ReadWithNodeAsync(dir);
        Assert.AreEqual(Rows - layout.BatchRows[^1], json.RootElement.GetProperty("rows").GetInt32());
    }

    [TestMethod]
    public async Task A_part_without_its_end_marker_is_rewritten_with_every_row()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        var layout = await PartTestData.WriteAsync(dir, rank: 0, first: 0, count: Rows, RowsPerBatch);
        var part = PartReader.ListParts(dir)[0];
        Truncate(part, layout.BatchEnds[^1]);
        Assert.AreEqual(Rows, PartReader.ReadFile(part).Count(), "Arrow's C# reader takes a cut at a message boundary for the end");

        var report = PartRepair.Repair(dir);

        AssertReport(report, [part], [], Rows, 0);
        Assert.IsTrue(PartFiles.HasEndMarker(part));
        Assert.AreEqual(layout.End, new FileInfo(part).Length, "the rewrite is byte for byte the size of the original");
    }

    [TestMethod]
    public async Task Intact_parts_are_left_alone()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        await PartTestData.WriteAsync(dir, rank: 0, first: 0, count: Rows, RowsPerBatch);
        await PartTestData.WriteAsync(dir, rank: 1, first: Rows, count: 3, RowsPerBatch);
        var before = PartReader.ListParts(dir).Select(p => (p, File.ReadAllBytes(p), File.GetLastWriteTimeUtc(p))).ToArray();

        var report = PartRepair.Repair(dir);

        AssertReport(report, [], [], 0, 0);
        foreach (var (path, bytes, written) in before)
        {
            CollectionAssert.AreEqual(bytes, File.ReadAllBytes(path));
            Assert.AreEqual(written, File.GetLastWriteTimeUtc(path));
        }

        Assert.IsFalse(Directory.Exists(Path.Combine(dir, PartRepair.DamagedFolder)));
    }

    [TestMethod]
    public async Task A_leftover_copy_is_deleted_while_its_original_is_in_place()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        var layout = await PartTestData.WriteAsync(dir, rank: 0, first: 0, count: Rows, RowsPerBatch);
        var part = PartReader.ListParts(dir)[0];
        Truncate(part, layout.BatchEnds[3] - 5);
        await File.WriteAllBytesAsync(part + ".repairing", [0xFF, 0xFF, 0xFF, 0xFF, 1, 2]);

        var report = PartRepair.Repair(dir);

        Assert.IsFalse(File.Exists(part + ".repairing"));
        AssertReport(report, [part], [], 3 * RowsPerBatch, RowsPerBatch);
        Assert.AreEqual(3 * RowsPerBatch, PartReader.ReadFile(part).Count());
    }

    [TestMethod]
    public async Task A_leftover_copy_whose_original_was_already_set_aside_becomes_the_part()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        await PartTestData.WriteAsync(dir, rank: 0, first: 0, count: Rows, RowsPerBatch);
        var part = PartReader.ListParts(dir)[0];
        var bytes = await File.ReadAllBytesAsync(part);

        // A repair was killed between moving the original away and renaming the copy.
        Directory.CreateDirectory(Path.Combine(dir, PartRepair.DamagedFolder));
        await File.WriteAllBytesAsync(Path.Combine(dir, PartRepair.DamagedFolder, Path.GetFileName(part)), bytes[..^50]);
        File.Move(part, part + ".repairing");

        var report = PartRepair.Repair(dir);

        AssertReport(report, [part], [], Rows, 0);
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(part));
        Assert.IsFalse(File.Exists(part + ".repairing"));
    }

    [TestMethod]
    public async Task Set_aside_parts_never_overwrite_earlier_ones()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        await PartTestData.WriteAsync(dir, rank: 0, first: 0, count: Rows, RowsPerBatch);
        var part = PartReader.ListParts(dir)[0];
        var damaged = Path.Combine(dir, PartRepair.DamagedFolder);
        Directory.CreateDirectory(damaged);
        await File.WriteAllTextAsync(Path.Combine(damaged, Path.GetFileName(part)), "first");
        await File.WriteAllTextAsync(Path.Combine(damaged, Path.GetFileNameWithoutExtension(part) + ".1.arrow"), "second");
        Truncate(part, 0);

        var report = PartRepair.Repair(dir);

        AssertReport(report, [], [part], 0, 0);
        Assert.AreEqual("first", await File.ReadAllTextAsync(Path.Combine(damaged, Path.GetFileName(part))));
        Assert.AreEqual("second", await File.ReadAllTextAsync(Path.Combine(damaged, Path.GetFileNameWithoutExtension(part) + ".1.arrow")));
        Assert.AreEqual(0, new FileInfo(Path.Combine(damaged, Path.GetFileNameWithoutExtension(part) + ".2.arrow")).Length);
        Assert.IsEmpty(PartReader.ListParts(dir));
    }

    [TestMethod]
    public async Task Only_the_given_rank_is_repaired()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        var layout = await PartTestData.WriteAsync(dir, rank: 0, first: 0, count: Rows, RowsPerBatch);
        await PartTestData.WriteAsync(dir, rank: 1, first: Rows, count: Rows, RowsPerBatch);
        var (rank0, rank1) = (PartReader.ListParts(dir)[0], PartReader.ListParts(dir)[1]);
        Truncate(rank0, layout.BatchEnds[1] - 5);
        Truncate(rank1, layout.BatchEnds[1] - 5);
        await File.WriteAllBytesAsync(rank0 + ".repairing", [1]);

        var report = PartRepair.Repair(dir, rank: 1);

        AssertReport(report, [rank1], [], RowsPerBatch, RowsPerBatch);
        Assert.IsTrue(File.Exists(rank0 + ".repairing"));
        Assert.IsFalse(PartFiles.HasEndMarker(rank0));
        Assert.IsTrue(PartFiles.HasEndMarker(rank1));
    }

    [TestMethod]
    public async Task A_torn_dictionary_encoded_part_of_another_writer_is_rebuilt()
    {
        // Three batches of dictionary-encoded strings, each with its own dictionaries; the third is cut off.
        // (Re-encoding with Apache.Arrow's ArrowStreamWriter fails here: it expects dictionary ids 0..n-1
        // and writes dictionaries once, from the first batch.)
        const string Script = """
            import { tableFromArrays, RecordBatchStreamWriter } from 'apache-arrow';
            import { mkdirSync, writeFileSync } from 'node:fs';
            const a = tableFromArrays({ id: ['a', 'b', 'c'], status: ['success', 'failed', 'success'], reason: ['done', null, 'done'] });
            const t = a.concat(
              tableFromArrays({ id: ['d'], status: ['filtered'], reason: ['x'] }),
              tableFromArrays({ id: ['e', 'f'], status: ['success', 'success'], reason: ['y', 'z'] }));
            const writer = new RecordBatchStreamWriter();
            for (const batch of t.batches) writer.write(batch);
            writer.finish();
            const bytes = writer.toUint8Array(true);
            mkdirSync(process.argv[1], { recursive: true });
            writeFileSync(process.argv[1] + '/part-00000-000000.arrow', bytes.subarray(0, bytes.length - 20));
            """;
        using var temp = new TempDir();
        var dir = temp["out"];
        await PartTestData.RunNodeAsync("--input-type=module", "-e", Script, dir);

        var report = PartRepair.Repair(dir);

        AssertReport(report, [Path.Combine(dir, "part-00000-000000.arrow")], [], 4, 2);
        CollectionAssert.AreEqual(
            new[] { ("a", "success", "done"), ("b", "failed", null), ("c", "success", "done"), ("d", "filtered", "x") },
            PartReader.ReadDirectory(dir).Select(r => (r.Id, r.Status, r.Reason)).ToArray());
        using var json = await PartTestData.ReadWithNodeAsync(dir);
        CollectionAssert.AreEqual(
            new[] { "a/success", "b/failed", "c/success", "d/filtered" },
            json.RootElement.GetProperty("records").EnumerateArray().Select(r => $"{r.GetProperty("id").GetString()}/{r.GetProperty("status").GetString()}").ToArray());
    }

    private static void Truncate(string path, long length)
    {
        using var stream = new FileStream(path, FileMode.Open);
        stream.SetLength(length);
    }

    // The record compares its lists by reference: compare the values.
    private static void AssertReport(PartRepairReport report, string[] repaired, string[] setAside, long kept, long lost, string? message = null)
    {
        CollectionAssert.AreEqual(repaired, report.Repaired.ToArray(), message);
        CollectionAssert.AreEqual(setAside, report.SetAside.ToArray(), message);
        Assert.AreEqual((kept, lost), (report.RowsKept, report.RowsLost), message);
    }
}

/// <summary>Rows, sinks and the JavaScript reader for the part repair, scanner and flush tests.</summary>
internal static class PartTestData
{
    public static readonly OutputColumn[] Columns = [new("n", ColumnType.Int32, o => (int)o.RowIndex)];

    /// <summary>Where the schema message ends and each batch ends in a part, and how many rows each batch holds.</summary>
    public sealed record Layout(long SchemaEnd, long[] BatchEnds, int[] BatchRows, long End);

    public static string Id(int i) => $"task-{i:D5}";

    public static string Status(int i) => Outcome(i).ToColumnValue();

    public static string? Reason(int i) => (i % 10) switch
    {
        0 => "error",
        1 => "too short",
        _ => i % 2 == 0 ? "done" : null,
    };

    public static TaskOutcome Outcome(int i) => (i % 10) switch
    {
        0 => TaskOutcome.Failed,
        1 => TaskOutcome.Filtered,
        _ => TaskOutcome.Success,
    };

    public static Orchestrator MakeTask(int i)
    {
        var task = new Orchestrator(Id(i), 0, (ulong)i, i, i);
        for (var t = 0; t < i % 4; t++)
        {
            task.Append(new Turn("agent", ChatRoles.User, $"turn {t} of {i} " + new string('x', (i * 7) % 60), null, 3, 1));
        }

        task.Finish(Outcome(i), Reason(i), i % 10 == 0 ? $"boom {i}" : null);
        return task;
    }

    /// <summary>Sink options that never flush on their own (the tests decide where batches end).</summary>
    public static SinkOptions Options(string dir, int rank, int rowsPerBatch, long rowsPerPart = 1_000_000) =>
        new(dir, rank, "unit", Columns, rowsPerBatch, rowsPerPart, TimeSpan.MaxValue);

    /// <summary>
    /// Writes rows <paramref name="first"/>.. as one new part of <paramref name="rank"/>, flushing after each
    /// batch to learn from the file's length where it ends.
    /// </summary>
    public static async Task<Layout> WriteAsync(string dir, int rank, int first, int count, int rowsPerBatch)
    {
        var ends = new List<long>();
        var rows = new List<int>();
        string? path = null;
        await using (var sink = new ArrowTaskSinkFactory().Create(Options(dir, rank, rowsPerBatch)))
        {
            for (var i = first; i < first + count; i++)
            {
                await sink.WriteAsync(MakeTask(i));
                if ((i - first + 1) % rowsPerBatch == 0 || i == first + count - 1)
                {
                    await sink.FlushAsync();
                    path ??= sink.Statistics.Files[^1];
                    ends.Add(new FileInfo(path).Length);
                    rows.Add(ends.Count == 1 ? i - first + 1 : i - first + 1 - rows.Sum());
                }
            }
        }

        return new Layout(SchemaLength(), [.. ends], [.. rows], new FileInfo(path!).Length);
    }

    /// <summary>The length of the schema message the sink writes first, as Arrow writes it on its own.</summary>
    private static long SchemaLength()
    {
        using var stream = new MemoryStream();
        using (var writer = new ArrowStreamWriter(stream, OutputSchema.Create(Columns), leaveOpen: true))
        {
            writer.WriteStart();
        }

        return stream.Length;
    }

    /// <summary>Reads every part of <paramref name="dir"/> with tools/arrow-reader/read-parts.mjs; fails the test if it cannot.</summary>
    public static async Task<JsonDocument> ReadWithNodeAsync(string dir) =>
        JsonDocument.Parse(await RunNodeAsync(Repo.Reader("read-parts.mjs"), dir));

    /// <summary>Runs node in tools/arrow-reader (where apache-arrow is installed) and returns its stdout.</summary>
    public static async Task<string> RunNodeAsync(params string[] args)
    {
        var tool = Path.GetDirectoryName(Repo.Reader("read-parts.mjs"))!;
        var (code, output, error) = await RunInAsync(tool, args);
        Assert.AreEqual(0, code, error);
        return output;
    }

    private static async Task<(int, string, string)> RunInAsync(string workingDirectory, string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("node")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var node = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await node.WaitForExitAsync(timeout.Token);
        return (node.ExitCode, await stdout, await stderr);
    }
}
