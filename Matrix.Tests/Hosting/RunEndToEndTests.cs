using System.Text.Json;
using Matrix.Engine.Llm.Sim;
using Matrix.Hosting.SimServer;
using Matrix.Store.Arrow.Read;
using Matrix.Tests.Support;

namespace Matrix.Tests.Hosting;

/// <summary>Whole runs through the host entry point or the real executable, checked from their output files.</summary>
[TestClass]
public sealed class RunEndToEndTests
{
    private static JsonElement Manifest(string dir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))).RootElement;

    [TestMethod]
    public async Task Readme_command_runs_coral_1000_tasks_and_the_independent_reader_agrees()
    {
        using var dir = new TempDir();
        var run = await Repo.RunAsync("dotnet", [Repo.MatrixDll, "run", "coral", "--tasks", "1000", "--out", dir["coral"]], TimeSpan.FromMinutes(5));
        Assert.AreEqual(0, run.ExitCode, run.Error);
        Assert.Contains("coral: 1000 tasks", run.Out);

        var check = await Repo.RunAsync("node", [Repo.Reader("check-run.mjs"), dir["coral"], "1000"], TimeSpan.FromMinutes(2));
        Assert.AreEqual(0, check.ExitCode, check.Error + check.Out);

        var read = await Repo.RunAsync("node", [Repo.Reader("read-parts.mjs"), dir["coral"]], TimeSpan.FromMinutes(2));
        Assert.AreEqual(0, read.ExitCode, read.Error);
        var json = JsonDocument.Parse(read.Out).RootElement;
        Assert.AreEqual(1000, json.GetProperty("rows").GetInt32());
        var names = json.GetProperty("schema").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
        CollectionAssert.AreEqual(
            new[] { "id", "trial", "scenario", "status", "reason", "error", "messages", "prompt_tokens", "completion_tokens", "agreement", "agreement_correctness", "turns" },
            names);
        var records = json.GetProperty("records").EnumerateArray().ToList();
        Assert.AreEqual(1000, records.Select(r => r.GetProperty("id").GetString()).Distinct().Count());
        Assert.IsTrue(records.All(r => r.GetProperty("scenario").GetString() == "coral"));
        var first = records.First(r => r.GetProperty("status").GetString() == "success");
        var messages = first.GetProperty("messages").EnumerateArray().ToList();
        Assert.AreEqual("student", messages[0].GetProperty("agent").GetString());
        Assert.AreEqual("user", messages[0].GetProperty("role").GetString());
        Assert.AreEqual("teacher", messages[1].GetProperty("agent").GetString());
        Assert.AreEqual("assistant", messages[1].GetProperty("role").GetString());
        Assert.IsGreaterThan(0, messages[1].GetProperty("completion_tokens").GetInt32());

        var manifest = Manifest(dir["coral"]);
        Assert.AreEqual(1000, manifest.GetProperty("output").GetProperty("rows").GetInt32());
        Assert.AreEqual("coral", manifest.GetProperty("scenario").GetString());
    }

    [TestMethod]
    public async Task Same_seed_gives_the_same_records_in_process_and_through_sim_server()
    {
        using var dir = new TempDir();
        await using var server = await SimServer.StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Port = 0, Fleet = new SimFleetOptions { ZeroLatency = true } }, CancellationToken.None);

        var local = await HostRun.MatrixAsync("run", "coral", "--tasks", "150", "--seed", "11", "--out", dir["local"], "--set", "sim.zero_latency=true");
        var remote = await HostRun.MatrixAsync("run", "coral", "--tasks", "150", "--seed", "11", "--out", dir["remote"], "--llm", server.BaseUrl.ToString(), "--concurrency", "64");
        var otherSeed = await HostRun.MatrixAsync("run", "coral", "--tasks", "150", "--seed", "12", "--out", dir["other"], "--set", "sim.zero_latency=true");
        Assert.AreEqual(0, local.ExitCode, local.Error);
        Assert.AreEqual(0, remote.ExitCode, remote.Error);
        Assert.AreEqual(0, otherSeed.ExitCode, otherSeed.Error);

        var a = OutputRecords.Of(dir["local"]);
        var b = OutputRecords.Of(dir["remote"]);
        Assert.HasCount(150, a);
        CollectionAssert.AreEqual(a, b, "HTTP records differ from in-process records");
        CollectionAssert.AreNotEqual(a, OutputRecords.Of(dir["other"]), "another seed should change the conversations");
        Assert.IsGreaterThan(150L * 3, server.Requests, "every LLM call went over the socket");
    }

    [TestMethod]
    public async Task Records_through_the_sim_server_carry_the_model_and_finish_reason_of_every_llm_turn()
    {
        using var dir = new TempDir();
        await using var server = await SimServer.StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Port = 0, Fleet = new SimFleetOptions { ZeroLatency = true } }, CancellationToken.None);

        // nr's score and question steps send a response_format: the sim-server must take it and answer as before.
        var run = await HostRun.MatrixAsync("run", "nr", "--tasks", "80", "--out", dir["out"], "--llm", server.BaseUrl.ToString(), "--model", "qwen3-8b");
        Assert.AreEqual(0, run.ExitCode, run.Error);

        var messages = PartReader.ReadDirectory(dir["out"]).SelectMany(r => r.Messages).ToList();
        var llmTurns = messages.Where(m => m.CompletionTokens > 0).ToList();
        Assert.IsGreaterThan(80, llmTurns.Count);
        Assert.IsTrue(llmTurns.Any(m => m.Agent == "question"), "some documents reach the question step");
        foreach (var turn in llmTurns)
        {
            Assert.AreEqual("qwen3-8b", turn.Model, turn.Agent);
            Assert.IsTrue(turn.FinishReason is "stop" or "length" or "tool_calls", $"{turn.Agent}: {turn.FinishReason}");
        }

        Assert.IsTrue(messages.Where(m => m.CompletionTokens == 0).All(m => m is { Model: null, FinishReason: null }), "code turns name no model");
        var inspect = await HostRun.MatrixAsync("inspect", dir["out"]);
        Assert.AreEqual(0, inspect.ExitCode, inspect.Error);
        Assert.Contains($"model: qwen3-8b {llmTurns.Count}\n", inspect.Out.ReplaceLineEndings("\n"));
        Assert.Contains("finish_reason: stop ", inspect.Out);
    }

    [TestMethod]
    public async Task Transient_server_errors_and_hangs_are_retried_and_no_task_fails()
    {
        using var dir = new TempDir();
        await using var server = await SimServer.StartAsync(
            new SimServerOptions { Responders = BuiltInSim.Responders, Port = 0, Fleet = new SimFleetOptions { ZeroLatency = true }, FailRate = 0.2, HangRate = 0.05 },
            CancellationToken.None);

        var run = await HostRun.MatrixAsync(
            "run", "coral", "--tasks", "120", "--out", dir["out"], "--llm", server.BaseUrl.ToString(),
            "--set", "llm.backoff_ms=1", "llm.timeout_seconds=1", "llm.max_retries=4");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var manifest = Manifest(dir["out"]);
        Assert.AreEqual(0, manifest.GetProperty("tasks").GetProperty("failed").GetInt32());
        Assert.IsGreaterThan(0, manifest.GetProperty("llm").GetProperty("retries").GetInt64(), "retries are counted");
        Assert.AreEqual(0, manifest.GetProperty("llm").GetProperty("failures").GetInt64());
        Assert.IsGreaterThan(0L, server.InjectedFaults);
    }

    [TestMethod]
    public async Task Tasks_fail_only_when_retries_run_out()
    {
        using var dir = new TempDir();
        await using var server = await SimServer.StartAsync(
            new SimServerOptions { Responders = BuiltInSim.Responders, Port = 0, Fleet = new SimFleetOptions { ZeroLatency = true }, PermanentFailRate = 0.03 },
            CancellationToken.None);

        var run = await HostRun.MatrixAsync(
            "run", "coral", "--tasks", "200", "--out", dir["out"], "--llm", server.BaseUrl.ToString(), "--set", "llm.backoff_ms=1", "llm.max_retries=2");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var rows = PartReader.ReadDirectory(dir["out"]).ToList();
        var failed = rows.Where(r => r.Status == "failed").ToList();
        Assert.HasCount(200, rows);
        Assert.IsNotEmpty(failed, "some conversations hit a request that always fails");
        Assert.IsGreaterThan(failed.Count, rows.Count(r => r.Status == "success"));
        foreach (var row in failed)
        {
            Assert.AreEqual("llm_error", row.Reason);
            Assert.Contains("500", row.Error!);
            Assert.Contains("3 attempts", row.Error!);
        }

        var llm = Manifest(dir["out"]).GetProperty("llm");
        Assert.AreEqual(failed.Count, llm.GetProperty("failures").GetInt32(), "a task fails on its first call that runs out of retries");
        Assert.AreEqual(2L * failed.Count, llm.GetProperty("retries").GetInt64(), "each failed call was retried max_retries times");
    }

    [TestMethod]
    public async Task A_malformed_row_in_the_middle_fails_that_task_alone()
    {
        using var dir = new TempDir();
        var lines = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            lines.Add(i == 7
                ? "{\"question\": \"broken\", \"options\": [\"a\", "
                : JsonSerializer.Serialize(new { question_id = $"q{i}", question = $"What is {i} + 1?", options = new[] { $"{i}", $"{i + 1}", $"{i + 2}" }, answer = "B" }));
        }

        await File.WriteAllLinesAsync(dir["q.jsonl"], lines);
        var run = await HostRun.MatrixAsync("run", "coral", "--input", dir["q.jsonl"], "--out", dir["out"], "--set", "sim.zero_latency=true");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var rows = PartReader.ReadDirectory(dir["out"]).ToList();
        Assert.HasCount(20, rows);
        var failed = rows.Single(r => r.Status == "failed");
        Assert.AreEqual("malformed_input", failed.Reason);
        Assert.Contains("q.jsonl:8", failed.Error!);
        Assert.IsTrue(rows.Where(r => r != failed).All(r => r.Status == "success"));
    }

    [TestMethod]
    public async Task Concurrency_flag_bounds_tasks_in_flight()
    {
        using var dir = new TempDir();
        var run = await HostRun.MatrixAsync("run", "coral", "--tasks", "300", "--concurrency", "7", "--out", dir["out"], "--set", "sim.decode_ms=0.05");
        Assert.AreEqual(0, run.ExitCode, run.Error);
        var manifest = Manifest(dir["out"]);
        var peak = manifest.GetProperty("peak_in_flight").GetInt32();
        Assert.IsLessThanOrEqualTo(7, peak);
        Assert.IsGreaterThan(1, peak);
        Assert.AreEqual(7, manifest.GetProperty("config").GetProperty("concurrency").GetInt32());
    }

    [TestMethod]
    public async Task Yaml_then_set_then_flags_each_override_the_last()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir["run.yaml"], "tasks: 5\nseed: 3\ncoral:\n  max_turns: 4\nsim:\n  zero_latency: true\n");
        var run = await HostRun.MatrixAsync("run", "coral", "--config", dir["run.yaml"], "--set", "tasks=7", "coral.max_turns=2", "--tasks", "9", "--out", dir["out"]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var rows = PartReader.ReadDirectory(dir["out"]).ToList();
        Assert.HasCount(9, rows);
        Assert.IsTrue(rows.All(r => (int)r.Columns["turns"]! <= 2));
        var config = Manifest(dir["out"]).GetProperty("config");
        Assert.AreEqual(3, config.GetProperty("seed").GetInt32());
        Assert.AreEqual(2, config.GetProperty("coral.max_turns").GetInt32());
    }

    [TestMethod]
    public async Task Inspect_summarizes_a_run()
    {
        using var dir = new TempDir();
        var run = await HostRun.MatrixAsync("run", "coral", "--tasks", "40", "--out", dir["out"], "--set", "sim.zero_latency=true");
        Assert.AreEqual(0, run.ExitCode, run.Error);

        var inspect = await HostRun.MatrixAsync("inspect", dir["out"]);
        Assert.AreEqual(0, inspect.ExitCode, inspect.Error);
        Assert.Contains("success", inspect.Out);
        Assert.Contains("agreement", inspect.Out);
        Assert.Contains("messages", inspect.Out);

        var missing = await HostRun.MatrixAsync("inspect", dir["nothing-here"]);
        Assert.AreEqual(2, missing.ExitCode);
    }
}
