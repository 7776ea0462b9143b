using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Output;
using Matrix.Engine.Scenarios;
using Matrix.Store.Arrow;
using Matrix.Store.Arrow.Read;
using Matrix.Store.Arrow.Write;

namespace Matrix.Tests.Store;

[TestClass]
public sealed class ArrowTaskSinkTests
{
    private const int RowCount = 2500;
    private const string ToolCalls = """[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"x\"}"}}]""";

    // One scenario column of each ColumnType, each null on some rows; the values are a function of the row index.
    private static readonly OutputColumn[] Columns =
    [
        new("s_utf8", ColumnType.Utf8, o => Utf8Value(Index(o))),
        new("s_bool", ColumnType.Bool, o => BoolValue(Index(o))),
        new("s_int32", ColumnType.Int32, o => Int32Value(Index(o))),
        new("s_int64", ColumnType.Int64, o => Int64Value(Index(o))),
        new("s_float64", ColumnType.Float64, o => Float64Value(Index(o))),
    ];

    private static readonly (string Name, string JsType)[] ExpectedSchema =
    [
        ("id", "Utf8"),
        ("trial", "Int32"),
        ("scenario", "Utf8"),
        ("status", "Utf8"),
        ("reason", "Utf8"),
        ("error", "Utf8"),
        ("messages", "List<Struct<{agent:Utf8, role:Utf8, content:Utf8, tool_calls:Utf8, prompt_tokens:Int32, completion_tokens:Int32, reasoning:Utf8, finish_reason:Utf8, model:Utf8}>>"),
        ("prompt_tokens", "Int64"),
        ("completion_tokens", "Int64"),
        ("s_utf8", "Utf8"),
        ("s_bool", "Bool"),
        ("s_int32", "Int32"),
        ("s_int64", "Int64"),
        ("s_float64", "Float64"),
    ];

    private string _dir = "";

    [TestInitialize]
    public void CreateDirectory() =>
        _dir = Path.Combine(Path.GetTempPath(), "matrix-arrow-tests", Guid.NewGuid().ToString("N"), "out");

    [TestCleanup]
    public void DeleteDirectory()
    {
        var root = Path.GetDirectoryName(_dir)!;
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public async Task Parts_read_back_with_the_javascript_reader()
    {
        await WriteRowsAsync(RowCount);
        using var json = JsonDocument.Parse(await RunNodeAsync("read-parts.mjs", _dir));
        var root = json.RootElement;
        Assert.AreEqual(2, root.GetProperty("files").GetInt32());
        Assert.AreEqual(RowCount, root.GetProperty("rows").GetInt32());

        var schema = root.GetProperty("schema").EnumerateArray()
            .Select(f => (f.GetProperty("name").GetString()!, f.GetProperty("type").GetString()!))
            .ToArray();
        CollectionAssert.AreEqual(ExpectedSchema, schema);

        var records = root.GetProperty("records").EnumerateArray().ToArray();
        Assert.HasCount(RowCount, records);
        for (var i = 0; i < RowCount; i++)
        {
            AssertRecord(i, records[i]);
        }
    }

    [TestMethod]
    public async Task Parts_read_back_with_PartReader()
    {
        var statistics = await WriteRowsAsync(RowCount);

        var parts = PartReader.ListParts(_dir);
        CollectionAssert.AreEqual(
            new[] { "part-00007-000000.arrow", "part-00007-000001.arrow" },
            parts.Select(Path.GetFileName).ToArray());
        Assert.AreEqual(RowCount, statistics.Rows);
        Assert.AreEqual(2, statistics.Parts);
        Assert.AreEqual(parts.Sum(p => new FileInfo(p).Length), statistics.Bytes);
        CollectionAssert.AreEqual(parts.ToArray(), statistics.Files.Select(Path.GetFullPath).ToArray());
        Assert.AreEqual(2000, PartReader.ReadFile(parts[0]).Count());

        var rows = PartReader.ReadDirectory(_dir).ToArray();
        Assert.HasCount(RowCount, rows);
        for (var i = 0; i < RowCount; i++)
        {
            AssertRow(i, rows[i]);
        }
    }

    [TestMethod]
    public async Task Dictionary_encoded_strings_written_by_the_javascript_library_are_read()
    {
        // tableFromArrays dictionary-encodes JS strings, as other tools' parts may be.
        const string Script = """
            import { tableFromArrays, tableToIPC } from 'apache-arrow';
            import { mkdirSync, writeFileSync } from 'node:fs';
            const t = tableFromArrays({
              id: ['a', 'b'], status: ['success', 'failed'], reason: ['done', null],
              prompt_tokens: BigInt64Array.from([1n, 2n]), label: ['x', null] });
            mkdirSync(process.argv[1], { recursive: true });
            writeFileSync(process.argv[1] + '/part-00000-000000.arrow', tableToIPC(t, 'stream'));
            """;
        await RunNodeAsync("--input-type=module", "-e", Script, _dir);

        var rows = PartReader.ReadDirectory(_dir).ToArray();

        Assert.HasCount(2, rows);
        Assert.AreEqual(("a", "success", "done", 1L, "x"), (rows[0].Id, rows[0].Status, rows[0].Reason, rows[0].PromptTokens, rows[0].Columns["label"]));
        Assert.AreEqual(("b", "failed", null, 2L, null), (rows[1].Id, rows[1].Status, rows[1].Reason, rows[1].PromptTokens, rows[1].Columns["label"]));
        Assert.AreEqual(0, Inspect(_dir).Code);
    }

    [TestMethod]
    public void A_part_written_before_reasoning_finish_reason_and_model_reads_them_as_null()
    {
        // The messages struct of the first release: six fields, none of the three added at its end.
        var oldMessage = new Apache.Arrow.Types.StructType(OutputSchema.MessageType.Fields.Take(6).ToList());
        var oldMessages = new Apache.Arrow.Types.ListType(new Apache.Arrow.Field("item", oldMessage, nullable: false));
        var schema = new Apache.Arrow.Schema.Builder()
            .Field(new Apache.Arrow.Field("id", Apache.Arrow.Types.StringType.Default, nullable: false))
            .Field(new Apache.Arrow.Field("status", Apache.Arrow.Types.StringType.Default, nullable: false))
            .Field(new Apache.Arrow.Field("reason", Apache.Arrow.Types.StringType.Default, nullable: true))
            .Field(new Apache.Arrow.Field("messages", oldMessages, nullable: false))
            .Build();
        Apache.Arrow.IArrowArray[] children =
        [
            new Apache.Arrow.StringArray.Builder().Append("student").Append("teacher").Build(),
            new Apache.Arrow.StringArray.Builder().Append("user").Append("assistant").Build(),
            new Apache.Arrow.StringArray.Builder().Append("q").Append("(A)").Build(),
            new Apache.Arrow.StringArray.Builder().AppendNull().AppendNull().Build(),
            new Apache.Arrow.Int32Array.Builder().Append(0).Append(12).Build(),
            new Apache.Arrow.Int32Array.Builder().Append(0).Append(3).Build(),
        ];
        var items = new Apache.Arrow.StructArray(oldMessage, 2, children, Apache.Arrow.ArrowBuffer.Empty, 0);
        var offsets = new Apache.Arrow.ArrowBuffer.Builder<int>().Append(0).Append(2).Build();
        var list = new Apache.Arrow.ListArray(oldMessages, 1, offsets, items, Apache.Arrow.ArrowBuffer.Empty, 0);
        Apache.Arrow.IArrowArray[] columns =
        [
            new Apache.Arrow.StringArray.Builder().Append("old-1#0").Build(),
            new Apache.Arrow.StringArray.Builder().Append("success").Build(),
            new Apache.Arrow.StringArray.Builder().Append("agreed").Build(),
            list,
        ];
        Directory.CreateDirectory(_dir);
        using (var batch = new Apache.Arrow.RecordBatch(schema, columns, 1))
        using (var stream = File.Create(Path.Combine(_dir, "part-00000-000000.arrow")))
        using (var writer = new Apache.Arrow.Ipc.ArrowStreamWriter(stream, schema))
        {
            writer.WriteRecordBatch(batch);
            writer.WriteEnd();
        }

        var row = PartReader.ReadDirectory(_dir).Single();
        var keys = PartScanner.Scan(_dir).ToList(); // what --resume reads to skip finished tasks

        Assert.HasCount(2, row.Messages);
        Assert.AreEqual(("teacher", "(A)", 12, 3), (row.Messages[1].Agent, row.Messages[1].Content, row.Messages[1].PromptTokens, row.Messages[1].CompletionTokens));
        Assert.IsTrue(row.Messages.All(m => m is { Reasoning: null, FinishReason: null, Model: null }));
        Assert.AreEqual(new TaskRecordKey("old-1#0", "", "success", "agreed"), keys.Single());
        var (code, output, error) = Inspect(_dir);
        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "turns: 2, with reasoning: 0\nfinish_reason: (none recorded)\nmodel: (none recorded)\n");
        StringAssert.Contains(output, "messages=2, last=\"(A)\"");
    }

    [TestMethod]
    public async Task Inspector_prints_status_counts()
    {
        await WriteRowsAsync(RowCount);
        await File.WriteAllTextAsync(Path.Combine(_dir, "manifest.json"), """{"scenario":"unit","elapsed_seconds":1.5,"ranks":1}""");

        var (code, output, error) = Inspect(_dir);

        Assert.AreEqual(0, code, error);
        Assert.AreEqual("", error);
        StringAssert.Contains(output, "manifest: scenario=unit, elapsed_seconds=1.5, ranks=1");
        StringAssert.Contains(output, "parts: 2, rows: 2500");
        StringAssert.Contains(output, "  success: 2000\n");
        StringAssert.Contains(output, "  failed: 250\n");
        StringAssert.Contains(output, "  filtered: 250\n");
        StringAssert.Contains(output, "  success, (none): 1000\n");
        StringAssert.Contains(output, "  filtered, too short: 250\n");
        StringAssert.Contains(output, "  messages: list<struct<agent: utf8 not null, role: utf8 not null, content: utf8, tool_calls: utf8, prompt_tokens: int32 not null, completion_tokens: int32 not null, reasoning: utf8, finish_reason: utf8, model: utf8>> not null\n");
        StringAssert.Contains(output, "  s_float64: float64\n");
        StringAssert.Contains(output, "turns: 3750, with reasoning: 625\n");
        StringAssert.Contains(output, "finish_reason: tool_calls 1000\n");
        StringAssert.Contains(output, "model: qwen3-8b 1250\n");
        StringAssert.Contains(output, "id=task-00002, status=success, reason=done, messages=2, last=null, last_finish_reason=tool_calls, last_model=qwen3-8b, last_reasoning=\"thinking ✓ 2\", s_utf8=\"value-2\"");
        Assert.DoesNotContain("warning", output);
    }

    [TestMethod]
    public void Inspector_returns_2_for_a_missing_directory()
    {
        var (code, output, error) = Inspect(Path.Combine(_dir, "nope"));

        Assert.AreEqual(2, code);
        Assert.AreEqual("", output);
        Assert.HasCount(1, Lines(error));
        StringAssert.Contains(error, "does not exist");
    }

    [TestMethod]
    public void Inspector_returns_2_for_a_directory_without_output()
    {
        Directory.CreateDirectory(_dir);

        var (code, _, error) = Inspect(_dir);

        Assert.AreEqual(2, code);
        Assert.HasCount(1, Lines(error));
    }

    [TestMethod]
    public async Task Inspector_returns_1_for_a_truncated_part()
    {
        await WriteRowsAsync(RowCount);
        var part = PartReader.ListParts(_dir)[1];
        using (var stream = new FileStream(part, FileMode.Open))
        {
            stream.SetLength(stream.Length / 2);
        }

        var (code, _, error) = Inspect(_dir);

        Assert.AreEqual(1, code);
        var lines = Lines(error);
        Assert.HasCount(1, lines);
        StringAssert.Contains(lines[0], "part-00007-000001.arrow");
        Assert.Throws<InvalidDataException>(() => PartReader.ReadFile(part).Count());
    }

    [TestMethod]
    public async Task Inspector_warns_about_duplicate_ids()
    {
        await WriteRowsAsync(3);
        var options = Options();
        await using (var sink = new ArrowTaskSinkFactory().Create(options))
        {
            await sink.WriteAsync(MakeTask(1));
        }

        var (code, output, _) = Inspect(_dir);

        Assert.AreEqual(0, code);
        StringAssert.Contains(output, "warning: 1 rows repeat an id already seen (e.g. task-00001)");
    }

    [TestMethod]
    public async Task Flushed_rows_are_readable_before_the_part_is_closed()
    {
        await using var sink = new ArrowTaskSinkFactory().Create(Options());
        for (var i = 0; i < 10; i++)
        {
            await sink.WriteAsync(MakeTask(i));
        }

        Assert.IsEmpty(PartReader.ListParts(_dir));
        await sink.FlushAsync();

        var rows = PartReader.ReadDirectory(_dir).ToArray();
        Assert.HasCount(10, rows);
        AssertRow(9, rows[9]);
        Assert.AreEqual(10, sink.Statistics.Rows);
        var (code, output, _) = Inspect(_dir);
        Assert.AreEqual(0, code);
        StringAssert.Contains(output, "warning: part-00007-000000.arrow has no end-of-stream marker");
    }

    [TestMethod]
    public async Task An_empty_run_writes_no_part()
    {
        await using (var sink = new ArrowTaskSinkFactory().Create(Options()))
        {
            await sink.FlushAsync();
            Assert.AreEqual(0, sink.Statistics.Parts);
        }

        Assert.IsTrue(Directory.Exists(_dir));
        Assert.IsEmpty(PartReader.ListParts(_dir));
    }

    [TestMethod]
    public async Task A_second_sink_of_the_rank_adds_parts_instead_of_overwriting()
    {
        await WriteRowsAsync(RowCount);
        await WriteRowsAsync(10);

        CollectionAssert.AreEqual(
            new[] { "part-00007-000000.arrow", "part-00007-000001.arrow", "part-00007-000002.arrow" },
            PartReader.ListParts(_dir).Select(Path.GetFileName).ToArray());
        Assert.AreEqual(RowCount + 10, PartReader.ReadDirectory(_dir).Count());
    }

    [TestMethod]
    public async Task A_value_of_the_wrong_type_fails_without_breaking_the_batch()
    {
        OutputColumn[] columns = [new("n", ColumnType.Int32, o => o.RowIndex == 1 ? "one" : (object)(int)o.RowIndex)];
        await using (var sink = new ArrowTaskSinkFactory().Create(Options() with { Columns = columns }))
        {
            await sink.WriteAsync(MakeTask(0));
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await sink.WriteAsync(MakeTask(1)));
            StringAssert.Contains(ex.Message, "'n'");
            await sink.WriteAsync(MakeTask(2));
        }

        var rows = PartReader.ReadDirectory(_dir).ToArray();
        CollectionAssert.AreEqual(new[] { "task-00000", "task-00002" }, rows.Select(r => r.Id).ToArray());
        Assert.AreEqual(2, rows[1].Columns["n"]);
    }

    private static long Index(Orchestrator task) => task.RowIndex;

    private static string? Utf8Value(long i) => i % 5 == 0 ? null : $"value-{i}";

    private static object? BoolValue(long i) => i % 3 == 0 ? null : i % 2 == 0;

    private static object? Int32Value(long i) => i % 7 == 0 ? null : (int)i - 1000;

    private static object? Int64Value(long i) => i % 11 == 0 ? null : i * 10_000_000_000L;

    private static object? Float64Value(long i) => i % 13 == 0 ? null : (i * 0.25) + 0.1;

    private static TaskOutcome Outcome(int i) => (i % 10) switch
    {
        0 => TaskOutcome.Failed,
        1 => TaskOutcome.Filtered,
        _ => TaskOutcome.Success,
    };

    private static string? Reason(int i) => (i % 10) switch
    {
        0 => "error",
        1 => "too short",
        _ => i % 2 == 0 ? "done" : null,
    };

    private static string? Error(int i) => i % 10 == 0 ? $"boom {i}" : null;

    // 0 to 3 messages; the second is a pure tool call (null content), the third has non-ASCII text.
    private static Turn[] Turns(int i)
    {
        Turn[] all =
        [
            new("teacher", ChatRoles.User, $"question {i}", null, 10 + (i % 7), 3),
            new("student", ChatRoles.Assistant, null, ToolCalls, 20, i % 5)
            {
                Reasoning = i % 2 == 0 ? $"thinking ✓ {i}" : null,
                FinishReason = i % 5 == 0 ? null : "tool_calls",
                Model = "qwen3-8b",
            },
            new("student", ChatRoles.Tool, $"héllo ✓ 🚀 {i} " + new string('x', i % 100), null, 0, 0),
        ];
        return all[..(i % 4 == 3 ? 3 : i % 4)];
    }

    private static Orchestrator MakeTask(int i)
    {
        var task = new Orchestrator($"task-{i:D5}", i % 3, (ulong)i, i, i);
        foreach (var turn in Turns(i))
        {
            task.Append(turn);
        }

        task.Finish(Outcome(i), Reason(i), Error(i));
        return task;
    }

    private SinkOptions Options() => new(_dir, 7, "unit", Columns, RowsPerBatch: 1000, RowsPerPart: 2000);

    private async Task<SinkStatistics> WriteRowsAsync(int count)
    {
        var sink = new ArrowTaskSinkFactory().Create(Options());
        await using (sink)
        {
            for (var i = 0; i < count; i++)
            {
                await sink.WriteAsync(MakeTask(i));
            }
        }

        return sink.Statistics;
    }

    private static void AssertRow(int i, PartRow row)
    {
        var turns = Turns(i);
        Assert.AreEqual($"task-{i:D5}", row.Id);
        Assert.AreEqual(i % 3, row.Trial);
        Assert.AreEqual("unit", row.Scenario);
        Assert.AreEqual(Outcome(i).ToColumnValue(), row.Status);
        Assert.AreEqual(Reason(i), row.Reason);
        Assert.AreEqual(Error(i), row.Error);
        Assert.AreEqual(turns.Sum(t => (long)t.PromptTokens), row.PromptTokens);
        Assert.AreEqual(turns.Sum(t => (long)t.CompletionTokens), row.CompletionTokens);
        CollectionAssert.AreEqual(
            turns.Select(t => new PartMessage(t.Agent, t.Role, t.Content, t.ToolCallsJson, t.PromptTokens, t.CompletionTokens)
            {
                Reasoning = t.Reasoning,
                FinishReason = t.FinishReason,
                Model = t.Model,
            }).ToArray(),
            row.Messages.ToArray());
        Assert.HasCount(Columns.Length, row.Columns);
        Assert.AreEqual(Utf8Value(i), row.Columns["s_utf8"]);
        Assert.AreEqual(BoolValue(i), row.Columns["s_bool"]);
        Assert.AreEqual(Int32Value(i), row.Columns["s_int32"]);
        Assert.AreEqual(Int64Value(i), row.Columns["s_int64"]);
        Assert.AreEqual(Float64Value(i), row.Columns["s_float64"]);
    }

    private static void AssertRecord(int i, JsonElement record)
    {
        var turns = Turns(i);
        Assert.AreEqual($"task-{i:D5}", record.GetProperty("id").GetString());
        Assert.AreEqual(i % 3, record.GetProperty("trial").GetInt32());
        Assert.AreEqual("unit", record.GetProperty("scenario").GetString());
        Assert.AreEqual(Outcome(i).ToColumnValue(), record.GetProperty("status").GetString());
        Assert.AreEqual(Reason(i), record.GetProperty("reason").GetString());
        Assert.AreEqual(Error(i), record.GetProperty("error").GetString());
        Assert.AreEqual(turns.Sum(t => (long)t.PromptTokens), record.GetProperty("prompt_tokens").GetInt64());
        Assert.AreEqual(turns.Sum(t => (long)t.CompletionTokens), record.GetProperty("completion_tokens").GetInt64());

        var messages = record.GetProperty("messages").EnumerateArray().ToArray();
        Assert.HasCount(turns.Length, messages);
        for (var j = 0; j < turns.Length; j++)
        {
            var message = messages[j];
            Assert.AreEqual(turns[j].Agent, message.GetProperty("agent").GetString());
            Assert.AreEqual(turns[j].Role, message.GetProperty("role").GetString());
            Assert.AreEqual(turns[j].Content, message.GetProperty("content").GetString());
            Assert.AreEqual(turns[j].ToolCallsJson, message.GetProperty("tool_calls").GetString());
            Assert.AreEqual(turns[j].PromptTokens, message.GetProperty("prompt_tokens").GetInt32());
            Assert.AreEqual(turns[j].CompletionTokens, message.GetProperty("completion_tokens").GetInt32());
            Assert.AreEqual(turns[j].Reasoning, message.GetProperty("reasoning").GetString());
            Assert.AreEqual(turns[j].FinishReason, message.GetProperty("finish_reason").GetString());
            Assert.AreEqual(turns[j].Model, message.GetProperty("model").GetString());
        }

        Assert.AreEqual(Utf8Value(i), record.GetProperty("s_utf8").GetString());
        Assert.AreEqual(BoolValue(i), Nullable(record, "s_bool", e => (object)e.GetBoolean()));
        Assert.AreEqual(Int32Value(i), Nullable(record, "s_int32", e => (object)e.GetInt32()));
        Assert.AreEqual(Int64Value(i), Nullable(record, "s_int64", e => (object)e.GetInt64()));
        Assert.AreEqual(Float64Value(i), Nullable(record, "s_float64", e => (object)e.GetDouble()));
    }

    private static object? Nullable(JsonElement record, string name, Func<JsonElement, object> read)
    {
        var value = record.GetProperty(name);
        return value.ValueKind == JsonValueKind.Null ? null : read(value);
    }

    private static (int Code, string Output, string Error) Inspect(string directory)
    {
        using var output = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        using var error = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var code = OutputInspector.Inspect(directory, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Matrix.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Matrix.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Runs node in tools/arrow-reader (where apache-arrow is installed) and returns its stdout.</summary>
    private static async Task<string> RunNodeAsync(params string[] args)
    {
        var tool = Path.Combine(RepoRoot(), "tools", "arrow-reader");
        Assert.IsTrue(Directory.Exists(Path.Combine(tool, "node_modules")), $"{tool}/node_modules is missing: run `npm ci` in tools/arrow-reader.");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = tool,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var node = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.AreEqual(0, node.ExitCode, await stderr);
        return await stdout;
    }
}
