using Matrix.Store.Arrow.Read;
using Matrix.Store.Arrow.Write;
using Matrix.Tests.Support;

namespace Matrix.Tests.Store;

[TestClass]
public sealed class PartScannerTests
{
    [TestMethod]
    public async Task Every_record_of_every_part_is_scanned_in_order()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        const int Rows = 2500;
        await using (var sink = new ArrowTaskSinkFactory().Create(PartTestData.Options(dir, rank: 2, rowsPerBatch: 300, rowsPerPart: 1000)))
        {
            for (var i = 0; i < Rows; i++)
            {
                await sink.WriteAsync(PartTestData.MakeTask(i));
            }
        }

        await using (var sink = new ArrowTaskSinkFactory().Create(PartTestData.Options(dir, rank: 0, rowsPerBatch: 300)))
        {
            await sink.WriteAsync(PartTestData.MakeTask(Rows));
        }

        Assert.HasCount(4, PartReader.ListParts(dir));

        var records = PartScanner.Scan(dir).ToArray();

        // Rank 0's part sorts first.
        int[] order = [Rows, .. Enumerable.Range(0, Rows)];
        CollectionAssert.AreEqual(
            order.Select(i => new TaskRecordKey(PartTestData.Id(i), "unit", PartTestData.Status(i), PartTestData.Reason(i))).ToArray(),
            records);
        Assert.AreEqual(3, records.Select(r => r.Status).Distinct().Count());
        Assert.AreSame(records[3].Status, records[4].Status, "repeated values share one string");
    }

    [TestMethod]
    public void An_empty_directory_has_no_records()
    {
        using var temp = new TempDir();

        Assert.IsEmpty(PartScanner.Scan(temp.Path));
    }

    [TestMethod]
    public async Task Dictionary_encoded_strings_written_by_the_javascript_library_are_read()
    {
        // tableFromArrays dictionary-encodes JS strings; the second part has no scenario column at all.
        const string Script = """
            import { tableFromArrays, tableToIPC } from 'apache-arrow';
            import { mkdirSync, writeFileSync } from 'node:fs';
            mkdirSync(process.argv[1], { recursive: true });
            const a = tableFromArrays({
              id: ['a', 'b', 'c'], scenario: ['nr', 'nr', 'nr'], status: ['success', 'failed', 'success'],
              reason: ['done', null, 'done'], messages: ['x', 'y', 'z'] });
            writeFileSync(process.argv[1] + '/part-00000-000000.arrow', tableToIPC(a, 'stream'));
            const b = tableFromArrays({ id: ['d'], status: ['filtered'], reason: ['too short'] });
            writeFileSync(process.argv[1] + '/part-00001-000000.arrow', tableToIPC(b, 'stream'));
            """;
        using var temp = new TempDir();
        var dir = temp["out"];
        await PartTestData.RunNodeAsync("--input-type=module", "-e", Script, dir);
        Assert.IsInstanceOfType<Apache.Arrow.Types.DictionaryType>(PartReader.ReadSchema(PartReader.ListParts(dir)[0]).GetFieldByName("status").DataType);

        var records = PartScanner.Scan(dir).ToArray();

        CollectionAssert.AreEqual(
            new TaskRecordKey[]
            {
                new("a", "nr", "success", "done"),
                new("b", "nr", "failed", null),
                new("c", "nr", "success", "done"),
                new("d", "", "filtered", "too short"),
            },
            records);
    }

    [TestMethod]
    public async Task A_part_cut_inside_a_batch_throws_naming_the_file()
    {
        using var temp = new TempDir();
        var dir = temp["out"];
        var layout = await PartTestData.WriteAsync(dir, rank: 0, first: 0, count: 50, rowsPerBatch: 20);
        var part = PartReader.ListParts(dir)[0];
        using (var stream = new FileStream(part, FileMode.Open))
        {
            stream.SetLength(layout.BatchEnds[1] - 3);
        }

        var ex = Assert.Throws<InvalidDataException>(() => PartScanner.Scan(dir).Count());

        StringAssert.Contains(ex.Message, Path.GetFileName(part));
    }

    [TestMethod]
    public async Task A_part_without_an_id_column_throws_naming_the_file()
    {
        const string Script = """
            import { tableFromArrays, tableToIPC } from 'apache-arrow';
            import { mkdirSync, writeFileSync } from 'node:fs';
            mkdirSync(process.argv[1], { recursive: true });
            writeFileSync(process.argv[1] + '/part-00000-000000.arrow', tableToIPC(tableFromArrays({ status: ['success'] }), 'stream'));
            """;
        using var temp = new TempDir();
        var dir = temp["out"];
        await PartTestData.RunNodeAsync("--input-type=module", "-e", Script, dir);

        var ex = Assert.Throws<InvalidDataException>(() => PartScanner.Scan(dir).Count());

        StringAssert.Contains(ex.Message, "part-00000-000000.arrow");
        StringAssert.Contains(ex.Message, "'id'");
    }
}
