using System.Text.Json;
using Matrix.Engine.Llm.Sim;
using Matrix.Hosting.SimServer;
using Matrix.Scenarios.Nr;
using Matrix.Tests.Support;

namespace Matrix.Tests.Scenarios;

/// <summary>Whole nr runs through the host entry point on the simulated LLM, read back with the independent JavaScript reader.</summary>
[TestClass]
public sealed class NrRunTests
{
    private static JsonElement Manifest(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))).RootElement;

    /// <summary>The records as the JavaScript Arrow reader sees them.</summary>
    private static async Task<List<JsonElement>> ReadWithJavaScriptAsync(string dir, int expectedRows)
    {
        var check = await Repo.RunAsync("node", [Repo.Reader("check-run.mjs"), dir, expectedRows.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        Assert.AreEqual(0, check.ExitCode, "independent reader: " + check.Error + check.Out);
        var read = await Repo.RunAsync("node", [Repo.Reader("read-parts.mjs"), dir], TimeSpan.FromMinutes(2));
        Assert.AreEqual(0, read.ExitCode, read.Error);
        return JsonDocument.Parse(read.Out).RootElement.GetProperty("records").EnumerateArray().ToList();
    }

    /// <summary>The manifest's counts by status and reason, flattened to reason → count (nr's reasons are unique across statuses).</summary>
    private static Dictionary<string, int> ManifestReasons(JsonElement manifest) =>
        manifest.GetProperty("reasons").EnumerateObject()
            .SelectMany(status => status.Value.EnumerateObject().Select(r => (Status: status.Name, Reason: r.Name, Count: r.Value.GetInt32())))
            .ToDictionary(r => r.Reason, r => r.Count, StringComparer.Ordinal);

    private static string? Str(JsonElement record, string column) => record.GetProperty(column).GetString();

    /// <remarks>
    /// The whole default sample (1000 documents, no --input, no --tasks): the rarest reasons expect about a dozen
    /// documents there, so a change to the simulated LLM or the sample is very unlikely to leave one out (with
    /// 400 documents about one seed in seven misses one).
    /// </remarks>
    [TestMethod]
    public async Task The_default_sample_ends_with_every_reason_and_the_counts_add_up()
    {
        using var dir = new TempDir();

        var run = await HostRun.MatrixAsync("run", "nr", "--out", dir["nr"], "--set", "sim.zero_latency=true");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        Assert.Contains("nr: 1000 tasks", run.Out);
        var records = await ReadWithJavaScriptAsync(dir["nr"], 1000);
        var byReason = records.GroupBy(r => Str(r, "reason")!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var reason in NrReasons.All)
        {
            Assert.IsTrue(byReason.GetValueOrDefault(reason) > 0, $"no document ended {reason}: {JsonSerializer.Serialize(byReason)}");
        }

        Assert.HasCount(NrReasons.All.Count, byReason, "no other reason");
        var manifest = Manifest(dir["nr"]);
        CollectionAssert.AreEquivalent(byReason.ToList(), ManifestReasons(manifest).ToList());
        Assert.AreEqual(1000, ManifestReasons(manifest).Values.Sum());
        var tasks = manifest.GetProperty("tasks");
        Assert.AreEqual(byReason["success"], tasks.GetProperty("success").GetInt32());
        Assert.AreEqual(1000 - byReason["success"], tasks.GetProperty("filtered").GetInt32());
        Assert.AreEqual(0, tasks.GetProperty("failed").GetInt32());
        Assert.AreEqual(byReason["success"] / 1000.0, manifest.GetProperty("metrics").GetProperty("success_rate").GetDouble(), 1e-9);

        foreach (var record in records)
        {
            var status = Str(record, "status");
            var reason = Str(record, "reason");
            Assert.AreEqual(reason == "success" ? "success" : "filtered", status);
            var messages = record.GetProperty("messages").EnumerateArray().ToList();
            Assert.AreEqual("document", messages[0].GetProperty("agent").GetString());
            Assert.AreEqual("user", messages[0].GetProperty("role").GetString());
            Assert.IsTrue(messages.Skip(1).All(m => m.GetProperty("role").GetString() == "assistant"));
            var expectedTurns = reason switch
            {
                NrReasons.ByEn => 1,
                NrReasons.ByClassifier => 2,
                NrReasons.ByScore or NrReasons.ByScoreWithoutJson => 3,
                _ => 4,
            };
            Assert.HasCount(expectedTurns, messages, $"{Str(record, "id")} ({reason})");
            if (reason == "success")
            {
                Assert.IsFalse(string.IsNullOrWhiteSpace(Str(record, "question")));
                Assert.IsFalse(string.IsNullOrWhiteSpace(Str(record, "answer")));
                CollectionAssert.Contains(NrPrompts.Categories.ToList(), Str(record, "category"));
                var steps = JsonDocument.Parse(Str(record, "steps")!).RootElement.EnumerateArray().Select(s => s.GetString()!).ToList();
                StringAssert.Contains(steps[^1], "\\boxed{");
                Assert.IsTrue(record.GetProperty("score_reasoning").GetInt32() > 0);
            }
            else
            {
                Assert.AreEqual(JsonValueKind.Null, record.GetProperty("question").ValueKind);
                Assert.AreEqual(JsonValueKind.Null, record.GetProperty("category").ValueKind);
            }

            if (reason == NrReasons.ByEn)
            {
                Assert.IsLessThan(0.8, record.GetProperty("language_score").GetDouble());
                Assert.AreEqual(0, record.GetProperty("prompt_tokens").GetInt32(), "no LLM call");
            }
        }
    }

    [TestMethod]
    public async Task A_jsonl_zst_input_runs_and_a_malformed_row_fails_alone()
    {
        using var dir = new TempDir();
        var lines = NrSampleData.Rows(30)
            .Select(r => JsonSerializer.Serialize(new { id = "doc-" + r.Index, text = r.Document.Text, url = r.Document.Url }))
            .ToList();
        lines.Insert(10, "{\"id\": \"broken\", \"text\": ");
        lines.Insert(20, "{\"id\": \"no-text\", \"url\": \"https://x.example\"}");
        Directory.CreateDirectory(dir.Path);
        var input = NrLoaderTests.WriteZst(dir["web.jsonl.zst"], lines);

        var run = await HostRun.MatrixAsync("run", "nr", "--input", input, "--out", dir["nr"], "--set", "sim.zero_latency=true");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var records = await ReadWithJavaScriptAsync(dir["nr"], 32);
        var failed = records.Where(r => Str(r, "status") == "failed").OrderBy(r => Str(r, "error"), StringComparer.Ordinal).ToList();
        Assert.HasCount(2, failed);
        Assert.IsTrue(failed.All(r => Str(r, "reason") == "malformed_input"));
        StringAssert.StartsWith(Str(failed[0], "error"), "web.jsonl.zst:11: malformed JSON");
        Assert.AreEqual("web.jsonl.zst:21: field 'text' is missing", Str(failed[1], "error"));
        var done = records.Where(r => Str(r, "status") != "failed").ToList();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 30).Select(i => $"doc-{i}#0").ToList(), done.Select(r => Str(r, "id")).ToList());
        Assert.IsTrue(done.All(r => Str(r, "url")!.StartsWith("https://", StringComparison.Ordinal)));
        Assert.AreEqual(2, Manifest(dir["nr"]).GetProperty("tasks").GetProperty("failed").GetInt32());
    }

    [TestMethod]
    public async Task The_simulated_llm_over_http_gives_the_same_records_as_in_process()
    {
        using var dir = new TempDir();
        await using var server = await SimServer.StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Port = 0, Fleet = new SimFleetOptions { ZeroLatency = true } }, CancellationToken.None);

        var local = await HostRun.MatrixAsync("run", "nr", "--tasks", "200", "--seed", "4", "--out", dir["local"], "--set", "sim.zero_latency=true");
        var remote = await HostRun.MatrixAsync("run", "nr", "--tasks", "200", "--seed", "4", "--out", dir["remote"], "--llm", server.BaseUrl.ToString(), "--concurrency", "64");

        Assert.AreEqual(0, local.ExitCode, local.Error);
        Assert.AreEqual(0, remote.ExitCode, remote.Error);
        var records = OutputRecords.Of(dir["local"]);
        Assert.HasCount(200, records);
        CollectionAssert.AreEqual(records, OutputRecords.Of(dir["remote"]), "HTTP records differ from in-process records");
        Assert.IsGreaterThan(200L, server.Requests, "the LLM calls went over the socket");
    }

    [TestMethod]
    public async Task A_missing_input_file_stops_the_run_with_exit_code_2_naming_it()
    {
        using var dir = new TempDir();

        var run = await HostRun.MatrixAsync("run", "nr", "--input", dir["absent.jsonl.zst"], "--out", dir["nr"]);

        Assert.AreEqual(2, run.ExitCode);
        Assert.HasCount(1, run.ErrorLines, run.Error);
        Assert.Contains("absent.jsonl.zst", run.Error);
        Assert.IsFalse(File.Exists(dir["nr/manifest.json"]));
    }
}
