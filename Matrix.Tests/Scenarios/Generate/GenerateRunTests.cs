using System.Text.Json;
using Matrix.Tests.Store;
using Matrix.Tests.Support;

namespace Matrix.Tests.Scenarios.Generate;

/// <summary><c>matrix run generate</c> end to end on the simulated LLM, its output read back by npm apache-arrow.</summary>
[TestClass]
public sealed class GenerateRunTests
{
    private const string Schema = """{"type":"object","properties":{"score":{"type":"integer","minimum":1,"maximum":5},"label":{"type":"string","enum":["good","bad"]},"why":{"type":"string"}},"required":["score","label"]}""";

    private static string WriteRows(TempDir dir, int count, Func<int, object>? row = null)
    {
        var path = dir["in.jsonl"];
        File.WriteAllLines(path, Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(row?.Invoke(i) ?? new { id = $"doc-{i}", text = $"hello number {i}", lang = "en" })));
        return path;
    }

    private static async Task<List<JsonElement>> RecordsAsync(string dir)
    {
        using var json = await PartTestData.ReadWithNodeAsync(dir);
        return [.. json.RootElement.GetProperty("records").EnumerateArray().Select(r => r.Clone())];
    }

    [TestMethod]
    public async Task A_prompt_over_jsonl_rows_writes_one_record_per_row_with_the_whole_conversation()
    {
        using var dir = new TempDir();
        var input = WriteRows(dir, 40);

        var run = await HostRun.MatrixAsync("run", "generate", "--input", input, "--system", "You translate ({{ lang }}).", "--prompt", "Translate to French: {{ text }}", "--out", dir["out"]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var records = await RecordsAsync(dir["out"]);
        Assert.HasCount(40, records);
        foreach (var r in records)
        {
            var id = r.GetProperty("id").GetString()!;
            var n = id["doc-".Length..id.IndexOf('#', StringComparison.Ordinal)];
            Assert.AreEqual("success", r.GetProperty("status").GetString());
            Assert.AreEqual("generated", r.GetProperty("reason").GetString());
            var messages = r.GetProperty("messages").EnumerateArray().ToList();
            Assert.HasCount(3, messages);
            Assert.AreEqual("system", messages[0].GetProperty("role").GetString());
            Assert.AreEqual("You translate (en).", messages[0].GetProperty("content").GetString());
            Assert.AreEqual("user", messages[1].GetProperty("role").GetString());
            Assert.AreEqual($"Translate to French: hello number {n}", messages[1].GetProperty("content").GetString());
            Assert.AreEqual("assistant", messages[2].GetProperty("role").GetString());
            Assert.IsFalse(string.IsNullOrEmpty(messages[2].GetProperty("content").GetString()));
            Assert.AreEqual(messages[2].GetProperty("content").GetString(), r.GetProperty("response").GetString());
            Assert.AreEqual($"hello number {n}", JsonDocument.Parse(r.GetProperty("input").GetString()!).RootElement.GetProperty("text").GetString());
        }
    }

    [TestMethod]
    public async Task A_schema_makes_each_property_a_typed_column_and_the_simulated_llm_follows_it()
    {
        using var dir = new TempDir();
        var input = WriteRows(dir, 60);

        var run = await HostRun.MatrixAsync("run", "generate", "--input", input, "--prompt", "Rate: {{ text }}", "--schema", Schema, "--out", dir["out"]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        using var json = await PartTestData.ReadWithNodeAsync(dir["out"]);
        var types = json.RootElement.GetProperty("schema").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("type").GetString()!);
        Assert.AreEqual("Int64", types["score"]);
        Assert.AreEqual("Utf8", types["label"]);
        var records = json.RootElement.GetProperty("records").EnumerateArray().ToList();
        Assert.HasCount(60, records);
        Assert.IsTrue(records.All(r => r.GetProperty("status").GetString() == "success"), "the simulated LLM follows the schema");
        Assert.IsTrue(records.All(r => r.GetProperty("score").GetInt64() is >= 1 and <= 5));
        CollectionAssert.IsSubsetOf(records.Select(r => r.GetProperty("label").GetString()).Distinct().ToList(), new[] { "good", "bad" });
        Assert.AreEqual(2, records.Select(r => r.GetProperty("label").GetString()).Distinct().Count(), "both choices occur over 60 rows");
    }

    [TestMethod]
    public async Task A_yaml_config_holds_the_prompts_and_the_schema_as_a_mapping_and_a_schema_file_works_too()
    {
        using var dir = new TempDir();
        var input = WriteRows(dir, 12);
        var config = dir["generate.yaml"];
        File.WriteAllText(config, """
            generate:
              system: "You judge {{ lang }} text."
              prompt: |
                Is this friendly? {{ text }}
              schema:
                type: object
                properties:
                  friendly: {type: boolean}
                  confidence: {type: number, minimum: 0, maximum: 1}
                required: [friendly, confidence]
            """);
        var schemaFile = dir["reply.json"];
        File.WriteAllText(schemaFile, """{"type":"object","properties":{"friendly":{"type":"boolean"},"confidence":{"type":"number","minimum":0,"maximum":1}}}""");

        var yaml = await HostRun.MatrixAsync("run", "generate", "--input", input, "--config", config, "--out", dir["yaml"]);
        var file = await HostRun.MatrixAsync("run", "generate", "--input", input, "--prompt", "Is this friendly? {{ text }}", "--schema", "@" + schemaFile, "--out", dir["file"]);

        Assert.AreEqual(0, yaml.ExitCode, yaml.Error);
        Assert.AreEqual(0, file.ExitCode, file.Error);
        foreach (var out_ in new[] { dir["yaml"], dir["file"] })
        {
            var records = await RecordsAsync(out_);
            Assert.HasCount(12, records);
            Assert.IsTrue(records.All(r => r.GetProperty("status").GetString() == "success"));
            Assert.IsTrue(records.All(r => r.GetProperty("friendly").ValueKind is JsonValueKind.True or JsonValueKind.False));
            Assert.IsTrue(records.All(r => r.GetProperty("confidence").GetDouble() is >= 0 and <= 1));
        }

        var first = (await RecordsAsync(dir["yaml"]))[0].GetProperty("messages").EnumerateArray().ToList();
        Assert.AreEqual("You judge en text.", first[0].GetProperty("content").GetString());
        Assert.StartsWith("Is this friendly? hello number", first[1].GetProperty("content").GetString()!);
    }

    [TestMethod]
    public async Task Replies_that_do_not_follow_the_schema_are_filtered_as_unparsable()
    {
        // A pool without structured output is not sent the schema, so the simulated LLM answers prose.
        using var dir = new TempDir();
        var input = WriteRows(dir, 20);

        var run = await HostRun.MatrixAsync("run", "generate", "--input", input, "--prompt", "Rate: {{ text }}", "--schema", Schema, "--set", "llm.pools.default.structured_output=false", "--out", dir["out"]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var records = await RecordsAsync(dir["out"]);
        Assert.HasCount(20, records);
        Assert.IsTrue(records.All(r => r.GetProperty("status").GetString() == "filtered" && r.GetProperty("reason").GetString() == "unparsable"));
        Assert.IsTrue(records.All(r => r.GetProperty("score").ValueKind == JsonValueKind.Null));
        Assert.IsTrue(records.All(r => r.GetProperty("response").GetString()!.Length > 0), "the unparsable reply is kept for audit");
    }

    [TestMethod]
    public async Task A_row_without_a_field_the_template_uses_fails_alone()
    {
        using var dir = new TempDir();
        var input = WriteRows(dir, 10, i => i % 5 == 0 ? new { id = $"doc-{i}", title = "no text" } : new { id = $"doc-{i}", text = $"t{i}" });

        var run = await HostRun.MatrixAsync("run", "generate", "--input", input, "--prompt", "Summarize: {{ text }}", "--out", dir["out"]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var records = await RecordsAsync(dir["out"]);
        var failed = records.Where(r => r.GetProperty("status").GetString() == "failed").ToList();
        Assert.HasCount(2, failed);
        Assert.IsTrue(failed.All(r => r.GetProperty("error").GetString()!.Contains("no field 'text'", StringComparison.Ordinal)), failed[0].GetProperty("error").GetString());
        Assert.AreEqual(8, records.Count(r => r.GetProperty("status").GetString() == "success"));
    }

    [TestMethod]
    [DataRow("--prompt", "Translate: {{ text ", "generate.prompt: the template does not parse")]
    [DataRow("--schema", """{"type": 5}""", "generate.schema: not a JSON Schema")]
    [DataRow("--schema", """{"type":"object","properties":{"status":{"type":"string"}}}""", "scenario 'generate': Scenario column 'status' is declared twice or reuses a common column's name.")]
    [DataRow("--schema", "[1,", "generate.schema")]
    [DataRow("--schema", "@/nonexistent/reply.json", "generate.schema_file: schema file '/nonexistent/reply.json' does not exist")]
    public async Task Mistakes_in_prompt_or_schema_exit_2_with_one_line_before_anything_is_written(string flag, string value, string expected)
    {
        using var dir = new TempDir();
        var input = WriteRows(dir, 3);
        string[] args = flag == "--prompt"
            ? ["run", "generate", "--input", input, "--prompt", value, "--out", dir["out"]]
            : ["run", "generate", "--input", input, "--prompt", "{{ text }}", flag, value, "--out", dir["out"]];

        var run = await HostRun.MatrixAsync(args);

        Assert.AreEqual(2, run.ExitCode, run.Error);
        Assert.HasCount(1, run.ErrorLines, run.Error);
        Assert.Contains(expected, run.Error);
        Assert.IsFalse(Directory.Exists(dir["out"]), "nothing written");
    }

    [TestMethod]
    public async Task Generate_needs_a_prompt_and_other_scenarios_refuse_one()
    {
        using var dir = new TempDir();
        var input = WriteRows(dir, 3);

        var none = await HostRun.MatrixAsync("run", "generate", "--input", input, "--out", dir["a"]);
        var coral = await HostRun.MatrixAsync("run", "coral", "--prompt", "hi {{ x }}", "--out", dir["b"]);

        Assert.AreEqual(2, none.ExitCode, none.Error);
        Assert.Contains("generate needs a prompt: --prompt", none.Error);
        Assert.AreEqual(2, coral.ExitCode, coral.Error);
        Assert.Contains("--prompt: scenario 'coral' takes no prompt", coral.Error);
    }
}
