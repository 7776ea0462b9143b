using Matrix.Engine.Scenarios;
using Matrix.Scenarios.Coral;

namespace Matrix.Tests.Scenarios;

[TestClass]
public sealed class CoralLoaderTests
{
    private string _dir = null!;

    [TestInitialize]
    public void CreateFolder()
    {
        _dir = Path.Combine(Path.GetTempPath(), "coral-loader-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TestCleanup]
    public void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private string Write(params string[] lines)
    {
        var path = Path.Combine(_dir, "questions.jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static async Task<List<InputRow>> ReadAllAsync(string path, long? limit = null)
    {
        var rows = new List<InputRow>();
        await foreach (var row in new CoralScenario().ReadInputAsync(new InputSource(path, limit), null!, CancellationToken.None))
        {
            rows.Add(row);
        }

        return rows;
    }

    [TestMethod]
    public async Task Rows_with_answer_letter_or_answer_index_parse_and_use_question_id()
    {
        var path = Write(
            """{"question_id": 70, "question": "What is 2 + 2?", "options": ["3", "4", "5", "22"], "answer": "B"}""",
            """{"question": "Largest planet?", "options": ["Mars", "Venus", "Jupiter"], "answer_index": 2}""",
            """{"question_id": "q-3", "question": "Capital of France?", "options": ["Paris", "Rome"], "answer": "A", "answer_index": 0}""");

        var rows = await ReadAllAsync(path);

        Assert.HasCount(3, rows);
        Assert.IsTrue(rows.All(r => r.Error is null));
        CollectionAssert.AreEqual(new[] { "70", "1", "q-3" }, rows.Select(r => r.Id).ToArray());
        CollectionAssert.AreEqual(new long[] { 0, 1, 2 }, rows.Select(r => r.Index).ToArray());

        var first = (CoralQuestion)rows[0].Payload!;
        Assert.AreEqual("What is 2 + 2?", first.Question);
        CollectionAssert.AreEqual(new[] { "3", "4", "5", "22" }, first.Options.ToArray());
        Assert.AreEqual('B', first.Answer);
        Assert.AreEqual(1, first.AnswerIndex);

        var second = (CoralQuestion)rows[1].Payload!;
        Assert.AreEqual('C', second.Answer);
        Assert.HasCount(3, second.Options);
        Assert.AreEqual('A', ((CoralQuestion)rows[2].Payload!).Answer);
    }

    [TestMethod]
    public async Task A_malformed_row_names_file_line_and_field_and_later_rows_still_parse()
    {
        var path = Write(
            """{"question": "ok 1", "options": ["a", "b"], "answer": "A"}""",
            """{"question": "no options", "answer": "A"}""",
            "",
            """{"question": "ok 2", "options": ["a", "b", "c"], "answer_index": 1}""",
            "this is not json",
            """{"question": "one option", "options": ["a"], "answer": "A"}""",
            """{"question": "letter out of range", "options": ["a", "b"], "answer": "C"}""",
            """{"question": "index out of range", "options": ["a", "b"], "answer_index": 5}""",
            """{"question": "no answer", "options": ["a", "b"]}""",
            """{"question": "disagree", "options": ["a", "b"], "answer": "A", "answer_index": 1}""",
            """{"options": ["a", "b"], "answer": "A"}""",
            """{"question": 5, "options": ["a", "b"], "answer": "A"}""",
            """{"question": "bad option", "options": ["a", 7], "answer": "A"}""",
            """{"question": "ok 3", "options": ["a", "b"], "answer": "B"}""");

        var rows = await ReadAllAsync(path);

        Assert.HasCount(13, rows);
        CollectionAssert.AreEqual(Enumerable.Range(0, 13).Select(i => (long)i).ToArray(), rows.Select(r => r.Index).ToArray());
        var good = rows.Where(r => r.Error is null).ToList();
        CollectionAssert.AreEqual(new[] { "ok 1", "ok 2", "ok 3" }, good.Select(r => ((CoralQuestion)r.Payload!).Question).ToArray());

        var errors = rows.Where(r => r.Error is not null).ToDictionary(r => r.Index, r => r.Error!);
        Assert.AreEqual("questions.jsonl:2: field 'options' is missing", errors[1]);
        StringAssert.StartsWith(errors[3], "questions.jsonl:5: ");
        StringAssert.StartsWith(errors[4], "questions.jsonl:6: field 'options' has 1 options");
        StringAssert.StartsWith(errors[5], "questions.jsonl:7: field 'answer' is 'C'");
        StringAssert.StartsWith(errors[6], "questions.jsonl:8: field 'answer_index' is 5");
        Assert.AreEqual("questions.jsonl:9: field 'answer' (or 'answer_index') is missing", errors[7]);
        StringAssert.StartsWith(errors[8], "questions.jsonl:10: fields 'answer' (A) and 'answer_index' (1) disagree");
        Assert.AreEqual("questions.jsonl:11: field 'question' is missing", errors[9]);
        StringAssert.StartsWith(errors[10], "questions.jsonl:12: field 'question' must be a string");
        StringAssert.StartsWith(errors[11], "questions.jsonl:13: field 'options' item 1 must be a string");
        Assert.IsTrue(rows.Where(r => r.Error is not null).All(r => r.Payload is null));
    }

    [TestMethod]
    public async Task A_repeated_question_id_is_malformed_rather_than_a_duplicate_task()
    {
        var path = Write(
            """{"question_id": 1, "question": "a?", "options": ["x", "y"], "answer": "A"}""",
            """{"question_id": 1, "question": "b?", "options": ["x", "y"], "answer": "B"}""");

        var rows = await ReadAllAsync(path);

        Assert.IsNull(rows[0].Error);
        Assert.AreEqual("questions.jsonl:2: question_id '1' repeats line 1", rows[1].Error);
    }

    [TestMethod]
    public async Task The_limit_stops_reading()
    {
        var path = Write(Enumerable.Range(0, 50).Select(i => $$"""{"question": "q{{i}}", "options": ["a", "b"], "answer": "A"}""").ToArray());

        var rows = await ReadAllAsync(path, limit: 7);

        Assert.HasCount(7, rows);
        Assert.AreEqual("q6", ((CoralQuestion)rows[^1].Payload!).Question);
    }

    [TestMethod]
    public async Task A_missing_file_is_an_input_exception()
    {
        var path = Path.Combine(_dir, "nope.jsonl");

        var e = await Assert.ThrowsExactlyAsync<InputException>(() => ReadAllAsync(path));

        StringAssert.Contains(e.Message, "nope.jsonl");
    }
}
