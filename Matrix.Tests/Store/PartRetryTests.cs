using System.Text.Json;
using Matrix.Store.Arrow;
using Matrix.Store.Arrow.Read;
using Matrix.Store.Arrow.Repair;
using Matrix.Store.Arrow.Write;
using Matrix.Tests.Support;

namespace Matrix.Tests.Store;

/// <summary>
/// <see cref="PartRetry"/>: failed records leave the parts, every other row stays as it was. Rows of
/// <see cref="PartTestData"/> fail when their index is a multiple of 10.
/// </summary>
[TestClass]
public sealed class PartRetryTests
{
    [TestMethod]
    public async Task Failed_records_are_removed_and_every_other_row_reads_back_as_it_was()
    {
        using var temp = new TempDir();
        var dir = temp["out"];

        // Batches of rows 1-9 (none failed), 10-18, 19-27 (one failed each), 28-29 (none); then another rank's part.
        var layout = await PartTestData.WriteAsync(dir, rank: 0, first: 1, count: 29, rowsPerBatch: 9);
        await PartTestData.WriteAsync(dir, rank: 1, first: 30, count: 45, rowsPerBatch: 20);
        var parts = PartReader.ListParts(dir);
        var before = parts.Select(File.ReadAllBytes).ToArray();
        var schemas = parts.Select(p => Describe(PartReader.ReadSchema(p))).ToArray();
        var expected = Rows(dir).Where(r => !r.Contains("\"Status\":\"failed\"", StringComparison.Ordinal)).ToList();
        var failed = Enumerable.Range(1, 74).Count(i => i % 10 == 0);

        var report = PartRetry.RemoveFailed(dir);

        CollectionAssert.AreEqual(parts.ToArray(), report.Rewritten.ToArray());
        Assert.IsEmpty(report.Deleted);
        Assert.AreEqual(failed, report.RecordsRemoved);
        CollectionAssert.AreEqual(parts.ToArray(), PartReader.ListParts(dir).ToArray());
        CollectionAssert.AreEqual(expected, Rows(dir), "the other rows, in their order, with every column");
        Assert.IsEmpty(Directory.GetFiles(dir, "*" + PartRetry.RetryingSuffix));
        for (var p = 0; p < parts.Count; p++)
        {
            Assert.AreEqual(schemas[p], Describe(PartReader.ReadSchema(parts[p])));
            Assert.IsTrue(PartFiles.HasEndMarker(parts[p]));
        }

        // The schema message and the first batch, which had no failed row, are copied byte for byte.
        var after = await File.ReadAllBytesAsync(parts[0]);
        CollectionAssert.AreEqual(before[0][..(int)layout.BatchEnds[0]], after[..(int)layout.BatchEnds[0]]);
        foreach (var part in parts)
        {
            var text = System.Text.Encoding.UTF8.GetString(await File.ReadAllBytesAsync(part));
            Assert.DoesNotContain("boom ", text, "nothing of a removed row is left in the file, not even unreferenced");
            foreach (var i in Enumerable.Range(1, 74).Where(i => i % 10 == 0 && i % 4 != 0))
            {
                Assert.DoesNotContain($" of {i} ", text, "nor its messages");
            }
        }

        var tail = before[0][(int)layout.BatchEnds[^2]..];
        CollectionAssert.AreEqual(tail, after[^tail.Length..], "so are the last batch and the end marker");

        using var json = await PartTestData.ReadWithNodeAsync(dir);
        CollectionAssert.AreEqual(
            Enumerable.Range(1, 74).Where(i => i % 10 != 0).Select(PartTestData.Id).ToArray(),
            json.RootElement.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToArray());

        var again = PartRetry.RemoveFailed(dir);
        Assert.AreEqual((0, 0, 0L), (again.Rewritten.Count, again.Deleted.Count, again.RecordsRemoved), "nothing left to remove");
    }

    [TestMethod]
    public async Task A_part_whose_every_record_failed_is_deleted_and_parts_without_failures_are_left_alone()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        await using (var sink = new ArrowTaskSinkFactory().Create(PartTestData.Options(dir, rank: 0, rowsPerBatch: 2)))
        {
            foreach (var i in new[] { 0, 10, 20, 30, 40 })
            {
                await sink.WriteAsync(PartTestData.MakeTask(i));
            }
        }

        await PartTestData.WriteAsync(dir, rank: 1, first: 1, count: 9, rowsPerBatch: 4);
        var (allFailed, clean) = (PartReader.ListParts(dir)[0], PartReader.ListParts(dir)[1]);
        var cleanBytes = await File.ReadAllBytesAsync(clean);
        var cleanWritten = File.GetLastWriteTimeUtc(clean);

        var report = PartRetry.RemoveFailed(dir);

        CollectionAssert.AreEqual(new[] { allFailed }, report.Deleted.ToArray());
        Assert.IsEmpty(report.Rewritten);
        Assert.AreEqual(5, report.RecordsRemoved);
        Assert.IsFalse(File.Exists(allFailed));
        CollectionAssert.AreEqual(cleanBytes, await File.ReadAllBytesAsync(clean));
        Assert.AreEqual(cleanWritten, File.GetLastWriteTimeUtc(clean));
    }

    [TestMethod]
    public async Task A_copy_left_by_a_killed_rewrite_is_no_part_to_readers_and_is_deleted()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        await PartTestData.WriteAsync(dir, rank: 0, first: 0, count: 40, rowsPerBatch: 8);
        var part = PartReader.ListParts(dir)[0];
        var bytes = await File.ReadAllBytesAsync(part);

        // kill -9 halfway through writing the copy: the original is untouched beside it.
        var leftover = part + PartRetry.RetryingSuffix;
        await File.WriteAllBytesAsync(leftover, bytes[..(bytes.Length / 2)]);

        CollectionAssert.AreEqual(new[] { part }, PartReader.ListParts(dir).ToArray());
        Assert.AreEqual(40, PartScanner.Scan(dir).Count());
        Assert.AreEqual(0, OutputInspector.Inspect(dir, TextWriter.Null, TextWriter.Null));
        using (var json = await PartTestData.ReadWithNodeAsync(dir))
        {
            Assert.AreEqual(40, json.RootElement.GetProperty("rows").GetInt32());
        }

        Assert.AreEqual(1, PartRetry.DeleteLeftovers(dir));
        Assert.IsFalse(File.Exists(leftover));
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(part));

        // And a removal that finds one finishes the job from the original.
        await File.WriteAllBytesAsync(leftover, [0xFF, 0xFF]);
        var report = PartRetry.RemoveFailed(dir);
        Assert.AreEqual(4, report.RecordsRemoved);
        Assert.IsFalse(File.Exists(leftover));
        Assert.AreEqual(36, PartReader.ReadFile(part).Count());
    }

    [TestMethod]
    public async Task A_dictionary_encoded_part_of_another_writer_is_refused_and_left_as_it_was()
    {
        const string Script = """
            import { tableFromArrays, tableToIPC } from 'apache-arrow';
            import { mkdirSync, writeFileSync } from 'node:fs';
            mkdirSync(process.argv[1], { recursive: true });
            const a = tableFromArrays({ id: ['a', 'b', 'c'], status: ['success', 'failed', 'success'], reason: ['done', null, 'done'] });
            writeFileSync(process.argv[1] + '/part-00000-000000.arrow', tableToIPC(a, 'stream'));
            """;
        using var temp = new TempDir();
        var dir = temp["out"];
        await PartTestData.RunNodeAsync("--input-type=module", "-e", Script, dir);
        var part = PartReader.ListParts(dir)[0];
        var bytes = await File.ReadAllBytesAsync(part);

        var error = Assert.ThrowsExactly<IOException>(() => PartRetry.RemoveFailed(dir));

        Assert.Contains("dictionary-encoded", error.Message);
        Assert.Contains(part, error.Message);
        CollectionAssert.AreEqual(bytes, await File.ReadAllBytesAsync(part));
        Assert.IsEmpty(Directory.GetFiles(dir, "*" + PartRetry.RetryingSuffix));
    }

    private static string Describe(Apache.Arrow.Schema schema) =>
        string.Join(", ", schema.FieldsList.Select(f => $"{f.Name}:{f.DataType.Name}:{f.IsNullable}"));

    /// <summary>Every row of every part, in order, every column included.</summary>
    private static List<string> Rows(string dir) => PartReader.ReadDirectory(dir)
        .Select(r => JsonSerializer.Serialize(new
        {
            r.Id,
            r.Trial,
            r.Scenario,
            r.Status,
            r.Reason,
            r.Error,
            Messages = r.Messages.Select(m => new { m.Agent, m.Role, m.Content, m.ToolCalls, m.PromptTokens, m.CompletionTokens }),
            r.PromptTokens,
            r.CompletionTokens,
            Columns = r.Columns.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"),
        }))
        .ToList();
}
