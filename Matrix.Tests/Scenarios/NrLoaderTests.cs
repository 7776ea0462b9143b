using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Scenarios.Nr;
using ZstdSharp;

namespace Matrix.Tests.Scenarios;

[TestClass]
public sealed class NrLoaderTests
{
    private string _dir = null!;

    [TestInitialize]
    public void CreateFolder()
    {
        _dir = Path.Combine(Path.GetTempPath(), "nr-loader-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TestCleanup]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private string Write(params string[] lines)
    {
        var path = Path.Combine(_dir, "web.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>Writes <paramref name="lines"/> zstd-compressed, as DCLM ships its shards.</summary>
    internal static string WriteZst(string path, IEnumerable<string> lines)
    {
        using var file = File.Create(path);
        using var zstd = new CompressionStream(file, level: 3);
        using var writer = new StreamWriter(zstd);
        foreach (var line in lines)
        {
            writer.Write(line);
            writer.Write('\n');
        }

        return path;
    }

    private static async Task<List<InputRow>> ReadAllAsync(string path, long? limit = null)
    {
        var rows = new List<InputRow>();
        await foreach (var row in new NrScenario().ReadInputAsync(new InputSource(path, limit), null!, CancellationToken.None))
        {
            rows.Add(row);
        }

        return rows;
    }

    private static NrDocument Doc(InputRow row) => (NrDocument)row.Payload!;

    [TestMethod]
    public async Task Rows_parse_text_url_english_score_and_id_in_dclm_fineweb_and_plain_shapes()
    {
        var path = Write(
            """{"text": "plain row", "url": "https://a.example/1"}""",
            """{"text": "dclm row", "url": "https://b.example/2", "language_id_whole_page_fasttext": {"en": 0.93}, "metadata": {"WARC-Record-ID": "<urn:uuid:1234>"}}""",
            """{"text": "dclm without en", "language_id_whole_page_fasttext": {"de": 0.99}}""",
            """{"id": 77, "text": "fineweb row", "language": "en", "language_score": 0.88}""",
            """{"id": "fw-5", "text": "fineweb german row", "language": "de", "language_score": 0.97}""",
            """{"text": "bare score", "language_score": 0.61, "url": null}""");

        var rows = await ReadAllAsync(path);

        Assert.HasCount(6, rows);
        Assert.IsTrue(rows.All(r => r.Error is null));
        CollectionAssert.AreEqual(new[] { "0", "<urn:uuid:1234>", "2", "77", "fw-5", "5" }, rows.Select(r => r.Id).ToArray());
        CollectionAssert.AreEqual(new[] { "plain row", "dclm row", "dclm without en", "fineweb row", "fineweb german row", "bare score" }, rows.Select(r => Doc(r).Text).ToArray());
        CollectionAssert.AreEqual(new double?[] { null, 0.93, 0, 0.88, 0, 0.61 }, rows.Select(r => Doc(r).EnglishScore).ToArray());
        CollectionAssert.AreEqual(new[] { "https://a.example/1", "https://b.example/2", null, null, null, null }, rows.Select(r => Doc(r).Url).ToArray());
    }

    [TestMethod]
    public async Task A_malformed_row_names_file_line_and_field_and_later_rows_still_parse()
    {
        var path = Write(
            """{"text": "ok 1"}""",
            """{"url": "https://no.text"}""",
            "",
            "{not json",
            """{"text": 5}""",
            """{"text": "   "}""",
            """{"text": "bad url", "url": 3}""",
            """{"text": "bad score", "language_score": "high"}""",
            """{"text": "bad dclm", "language_id_whole_page_fasttext": 0.9}""",
            """{"text": "bad dclm en", "language_id_whole_page_fasttext": {"en": "yes"}}""",
            """{"text": "bad id", "id": ["x"]}""",
            """{"text": "huge score", "language_score": 1e400}""",
            """{"text": "ok 2"}""");

        var rows = await ReadAllAsync(path);

        Assert.HasCount(12, rows);
        CollectionAssert.AreEqual(Enumerable.Range(0, 12).Select(i => (long)i).ToArray(), rows.Select(r => r.Index).ToArray());
        CollectionAssert.AreEqual(new[] { "ok 1", "ok 2" }, rows.Where(r => r.Error is null).Select(r => Doc(r).Text).ToArray());
        var errors = rows.Where(r => r.Error is not null).Select(r => r.Error!).ToArray();
        Assert.AreEqual("web.jsonl:2: field 'text' is missing", errors[0]);
        StringAssert.StartsWith(errors[1], "web.jsonl:4: malformed JSON");
        Assert.AreEqual("web.jsonl:5: field 'text' must be a string, got number", errors[2]);
        Assert.AreEqual("web.jsonl:6: field 'text' is empty", errors[3]);
        StringAssert.StartsWith(errors[4], "web.jsonl:7: field 'url' must be a string");
        StringAssert.StartsWith(errors[5], "web.jsonl:8: field 'language_score' must be a number");
        StringAssert.StartsWith(errors[6], "web.jsonl:9: field 'language_id_whole_page_fasttext' must be an object");
        StringAssert.StartsWith(errors[7], "web.jsonl:10: field 'language_id_whole_page_fasttext.en' must be a number");
        StringAssert.StartsWith(errors[8], "web.jsonl:11: field 'id' must be");
        StringAssert.StartsWith(errors[9], "web.jsonl:12: field 'language_score' must be a number, got 1e400");
        Assert.IsTrue(rows.Where(r => r.Error is not null).All(r => r.Payload is null && r.Id.StartsWith("malformed-row-", StringComparison.Ordinal)));
    }

    [TestMethod]
    public async Task A_repeated_id_is_malformed_rather_than_a_duplicate_task()
    {
        var path = Write("""{"id": "a", "text": "one"}""", """{"id": "a", "text": "two"}""");

        var rows = await ReadAllAsync(path);

        Assert.IsNull(rows[0].Error);
        Assert.AreEqual("web.jsonl:2: id 'a' repeats line 1", rows[1].Error);
    }

    [TestMethod]
    public async Task A_zstd_shard_reads_like_the_plain_file_and_the_limit_stops_reading()
    {
        var lines = Enumerable.Range(0, 40).Select(i => $$$"""{"text": "document {{{i}}} has some text", "url": "https://x.example/{{{i}}}", "language_id_whole_page_fasttext": {"en": 0.9}}""").ToArray();
        var zst = WriteZst(Path.Combine(_dir, "shard_00000.jsonl.zst"), lines);

        var all = await ReadAllAsync(zst);
        var plain = await ReadAllAsync(Write(lines));
        var limited = await ReadAllAsync(zst, limit: 7);

        Assert.HasCount(40, all);
        CollectionAssert.AreEqual(plain.Select(r => (r.Id, Doc(r).Text, Doc(r).Url, Doc(r).EnglishScore)).ToArray(), all.Select(r => (r.Id, Doc(r).Text, Doc(r).Url, Doc(r).EnglishScore)).ToArray());
        Assert.HasCount(7, limited);
        Assert.AreEqual("document 6 has some text", Doc(limited[^1]).Text);
    }

    [TestMethod]
    public async Task A_missing_file_is_an_input_exception()
    {
        var e = await Assert.ThrowsExactlyAsync<InputException>(() => ReadAllAsync(Path.Combine(_dir, "nope.jsonl.zst")));

        StringAssert.Contains(e.Message, "nope.jsonl.zst");
    }

    [TestMethod]
    public async Task Without_an_input_file_the_scenario_streams_the_sample_up_to_the_limit_or_the_sample_size()
    {
        var scenario = new NrScenario();
        var schema = new SettingsSchema();
        scenario.DeclareSettings(schema);
        var settings = new RunSettings(schema);
        settings.Set(NrScenario.SampleSizeKey, "25", "test");
        var context = new ScenarioContext(settings, 1, new NrScriptedLlm());

        var limited = new List<InputRow>();
        await foreach (var row in scenario.ReadInputAsync(new InputSource(null, 3), context, CancellationToken.None))
        {
            limited.Add(row);
        }

        var all = 0;
        await foreach (var row in scenario.ReadInputAsync(new InputSource(null, null), context, CancellationToken.None))
        {
            Assert.IsInstanceOfType<NrDocument>(row.Payload);
            all++;
        }

        CollectionAssert.AreEqual(new[] { "sample-000000", "sample-000001", "sample-000002" }, limited.Select(r => r.Id).ToArray());
        Assert.AreEqual(25, all);
    }
}
