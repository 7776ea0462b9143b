using System.Text.Json;
using Matrix.Tests.Support;

namespace Matrix.Tests.RealLlm;

/// <summary><c>matrix run generate</c> against a real llama-server: the schema goes out as response_format and comes back as columns.</summary>
[TestClass]
[TestCategory("llama")]
public sealed class LlamaGenerateTests
{
    [TestMethod]
    public async Task Generate_with_a_schema_through_llama_servers_structured_output_fills_every_column()
    {
        const int rows = 6;
        await using var server = await LlamaServer.StartAsync();
        using var dir = new TempDir();
        var input = dir["in.jsonl"];
        File.WriteAllLines(input, Enumerable.Range(0, rows).Select(i => JsonSerializer.Serialize(new { id = $"q{i}", text = $"question {i}" })));

        var run = await LlamaRuns.RunAsync(
        [
            "run", "generate", "--input", input, "--out", dir["out"], "--llm", server.BaseUrl.ToString(), "--model", "tiny",
            "--prompt", "Answer briefly as JSON: {{ text }}",
            "--schema", """{"type":"object","properties":{"answer":{"type":"string","maxLength":20},"score":{"type":"integer","minimum":1,"maximum":5}},"required":["answer","score"],"additionalProperties":false}""",
            "--set", "llm.pools.default.structured_output=true", "agents.generator.max_tokens=64",
        ]);

        var context = run.Out + run.Error + "\nserver:\n" + server.Log;
        Assert.AreEqual(0, run.ExitCode, context);
        var records = LlamaRuns.AssertAllSucceeded(dir["out"], rows, context);
        foreach (var r in records)
        {
            Assert.IsInstanceOfType<string>(r.Columns["answer"], r.Id);
            Assert.IsInstanceOfType<long>(r.Columns["score"], r.Id);
            Assert.IsTrue((long)r.Columns["score"]! is >= 1 and <= 5, r.Id);
            Assert.AreEqual("user", r.Messages[0].Role);
            Assert.AreEqual("Answer briefly as JSON: question " + r.Id[1..r.Id.IndexOf('#', StringComparison.Ordinal)], r.Messages[0].Content);
        }
    }
}
