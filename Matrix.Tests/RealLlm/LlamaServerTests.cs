using System.Net.Http.Json;
using System.Text.Json;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Http;
using Matrix.Store.Arrow.Read;
using Matrix.Tests.Support;

namespace Matrix.Tests.RealLlm;

/// <summary>
/// Runs against llama.cpp's llama-server, a real OpenAI-compatible server, serving a tiny random-weight
/// qwen2 model (tools/ci/install-llama-server.sh; docs/real-llm-testing.md). Random weights answer
/// gibberish, so these tests check plumbing (usage, tools, retries, records), never content.
/// </summary>
[TestClass]
[TestCategory("llama")]
public sealed class LlamaServerTests
{
    [TestMethod]
    public async Task Coral_runs_to_the_end_and_records_carry_the_servers_usage()
    {
        const int tasks = 8;
        await using var server = await LlamaServer.StartAsync();
        using var dir = new TempDir();

        var run = await LlamaRuns.RunAsync(LlamaRuns.Coral(server, tasks, dir["out"]));

        var context = run.Out + run.Error + "\nserver:\n" + server.Log;
        Assert.AreEqual(0, run.ExitCode, context);
        var rows = LlamaRuns.AssertAllSucceeded(dir["out"], tasks, context);
        foreach (var row in rows)
        {
            // The student's opening question is written by code; every later turn is an LLM answer.
            var llmTurns = row.Messages.Skip(1).ToList();
            Assert.IsNotEmpty(llmTurns, row.Id);
            foreach (var m in llmTurns)
            {
                Assert.IsGreaterThan(0, m.PromptTokens, $"{row.Id} {m.Agent}: prompt_tokens");
                Assert.IsGreaterThan(0, m.CompletionTokens, $"{row.Id} {m.Agent}: completion_tokens");
            }

            Assert.IsGreaterThanOrEqualTo(llmTurns.Sum(m => (long)m.PromptTokens), row.PromptTokens, row.Id);
            Assert.IsGreaterThanOrEqualTo(llmTurns.Sum(m => (long)m.CompletionTokens), row.CompletionTokens, row.Id);
        }

        LlamaRuns.AssertManifestTokensMatch(dir["out"], rows);
        Assert.AreEqual(0, LlamaRuns.Manifest(dir["out"]).GetProperty("llm").GetProperty("failures").GetInt64());
    }

    [TestMethod]
    public async Task Tau2_retail_with_tools_through_the_jinja_template_runs_to_the_end()
    {
        const int tasks = 2;
        await using var server = await LlamaServer.StartAsync();
        using var dir = new TempDir();

        var run = await LlamaRuns.RunAsync(
        [
            "run", "tau2", "--data", Tau2Data.Folder("retail"), "--tasks", "2", "--out", dir["out"],
            "--llm", server.BaseUrl.ToString(), "--model", "tiny",
            "--set", "tau2.max_steps=4", "tau2.max_tokens=24", "tau2.judge_max_tokens=24",
        ]);

        var context = run.Out + run.Error + "\nserver:\n" + server.Log;
        Assert.AreEqual(0, run.ExitCode, context);
        var rows = LlamaRuns.AssertAllSucceeded(dir["out"], tasks, context);
        foreach (var row in rows)
        {
            // tau2 opens with a fixed greeting of the assistant; every later assistant and user turn is an LLM answer.
            // The assistant's prompt: the retail policy alone is ~1.5k tokens, with the tools rendered by the
            // template ~4.6k, so more than 3,000 shows the tools went through the --jinja template.
            Assert.AreEqual("assistant", row.Messages[0].Role, row.Id);
            var llmTurns = row.Messages.Skip(1).Where(m => m.Role is "assistant" or "user").ToList();
            Assert.IsTrue(llmTurns.Any(m => m.Role == "assistant"), $"{row.Id}: no assistant answer\n{context}");
            foreach (var m in llmTurns)
            {
                Assert.IsGreaterThan(m.Role == "assistant" ? 3000 : 0, m.PromptTokens, $"{row.Id} {m.Agent}: prompt_tokens");
                Assert.IsGreaterThan(0, m.CompletionTokens, $"{row.Id} {m.Agent}: completion_tokens");
            }
        }

        LlamaRuns.AssertManifestTokensMatch(dir["out"], rows);
    }

    [TestMethod]
    public async Task A_prompt_longer_than_the_servers_context_fails_its_task_with_context_length()
    {
        // Slots of 2,048 tokens: tau2's assistant prompt (retail policy + tools, ~4.6k tokens) does not fit, the user
        // simulator's does. llama.cpp refuses with HTTP 400 exceed_context_size_error; nothing is retried.
        await using var server = await LlamaServer.StartAsync(parallel: 2, slotContext: 2048);
        using var dir = new TempDir();

        var run = await LlamaRuns.RunAsync(
        [
            "run", "tau2", "--data", Tau2Data.Folder("retail"), "--tasks", "2", "--out", dir["out"],
            "--llm", server.BaseUrl.ToString(), "--model", "tiny", "--set", "tau2.max_steps=4", "tau2.max_tokens=24",
        ]);

        var context = run.Out + run.Error + "\nserver:\n" + server.Log;
        Assert.AreEqual(0, run.ExitCode, context);
        var rows = PartReader.ReadDirectory(dir["out"]).ToList();
        Assert.HasCount(2, rows, context);
        foreach (var row in rows)
        {
            Assert.AreEqual("failed", row.Status, context);
            Assert.AreEqual("context_length", row.Reason, $"{row.Error}\n{context}");
            Assert.Contains("exceed", row.Error!);
            Assert.IsNotEmpty(row.Messages, "the trajectory up to the refused call is kept");
        }

        var llm = LlamaRuns.Manifest(dir["out"]).GetProperty("llm");
        Assert.AreEqual(2, llm.GetProperty("context_length_refusals").GetInt64());
        Assert.AreEqual(0, llm.GetProperty("retries").GetInt64());
    }

    [TestMethod]
    public async Task Server_killed_and_restarted_mid_run_loses_no_task()
    {
        const int tasks = 24;
        await using var server = await LlamaServer.StartAsync();
        using var dir = new TempDir();

        var run = LlamaRuns.RunAsync(LlamaRuns.Coral(server, tasks, dir["out"], LlamaRuns.PatientRetries));

        // Kill once the server has generated some answers (a few requests done, most of the run ahead).
        var progress = Task.Run(async () =>
        {
            while (!run.IsCompleted && await server.MetricAsync("tokens_predicted_total") < 100)
            {
                await Task.Delay(50);
            }
        });
        await Task.WhenAny(progress, Task.Delay(TimeSpan.FromMinutes(5)));
        Assert.IsTrue(progress.IsCompleted, "the server generated no tokens within 5 minutes\n" + server.Log);
        if (run.IsCompleted)
        {
            Assert.Fail("the run ended before the server was killed: give it more tasks\n" + (await run).Error);
        }

        await server.KillAsync();
        await server.RestartAsync();

        var done = await run;
        var context = done.Out + done.Error + "\nserver:\n" + server.Log;
        Assert.AreEqual(0, done.ExitCode, context);
        var rows = LlamaRuns.AssertAllSucceeded(dir["out"], tasks, context);
        LlamaRuns.AssertManifestTokensMatch(dir["out"], rows);
        var llm = LlamaRuns.Manifest(dir["out"]).GetProperty("llm");
        Assert.IsGreaterThan(0L, llm.GetProperty("retries").GetInt64(), "requests in flight at the kill were retried");
        Assert.AreEqual(0L, llm.GetProperty("failures").GetInt64());
        Assert.IsGreaterThan(0, await server.MetricAsync("tokens_predicted_total"), "the restarted server served the rest of the run");
    }

    [TestMethod]
    public async Task Engine_client_gets_usage_finish_reason_and_tools_through_llama_server()
    {
        await using var server = await LlamaServer.StartAsync(parallel: 2);
        var counters = new LlmCounters();
        using var client = new OpenAiHttpClient(new HttpLlmOptions([server.BaseUrl], "tiny"), counters);

        await client.ProbeAsync();
        var tool = new ToolDefinition(
            "get_order",
            "Looks up an order by its id.",
            """{"type":"object","properties":{"order_id":{"type":"string"}},"required":["order_id"]}""");
        var response = await client.CompleteAsync(new LlmRequest("t1", 7, [ChatMessage.System("You help customers."), ChatMessage.User("Where is order #W123?")])
        {
            MaxTokens = 8,
            Tools = [tool],
        });

        Assert.IsGreaterThan(10, response.PromptTokens, "the tool's schema is in the prompt");
        Assert.IsGreaterThan(0, response.CompletionTokens);
        Assert.IsLessThanOrEqualTo(8, response.CompletionTokens);
        Assert.Contains(response.FinishReason, new[] { "length", "stop", "tool_calls" });
        Assert.AreEqual(response.CompletionTokens, counters.CompletionTokens);
    }

    [TestMethod]
    public async Task Json_schema_response_format_answer_parses()
    {
        await using var server = await LlamaServer.StartAsync(parallel: 2);
        var counters = new LlmCounters();
        await using var client = new OpenAiHttpClient(new HttpLlmOptions([server.BaseUrl], "tiny"), counters);
        var schema = """
            {"type":"object","properties":{"answer":{"type":"string","enum":["A","B","C","D"]},"sure":{"type":"boolean"}},
             "required":["answer","sure"],"additionalProperties":false}
            """;
        var request = new LlmRequest("json-0", 3, [ChatMessage.User("Pick A, B, C or D.")])
        {
            MaxTokens = 256, // the grammar allows some whitespace between tokens; it then forces the end
            ResponseFormat = new ResponseFormat("choice", schema),
        };

        var response = await client.CompleteAsync(request);

        Assert.AreEqual("stop", response.FinishReason, response.Content);
        using var answer = JsonDocument.Parse(response.Content!);
        Assert.Contains(answer.RootElement.GetProperty("answer").GetString()!, new[] { "A", "B", "C", "D" });
        Assert.IsTrue(answer.RootElement.GetProperty("sure").ValueKind is JsonValueKind.True or JsonValueKind.False);
        Assert.IsGreaterThan(0, response.CompletionTokens);
        Assert.IsFalse(string.IsNullOrEmpty(response.Model), "the server says which model answered");
    }

    [TestMethod]
    public async Task Nr_scores_through_its_own_schema_parse_when_the_pool_has_structured_output()
    {
        // The Yes/No classifier runs on a simulated pool (random weights would never say Yes); the rubric scorer on
        // llama-server with structured output: its grammar-constrained replies must be the JSON the scorer parses.
        await using var server = await LlamaServer.StartAsync();
        using var dir = new TempDir();

        var run = await LlamaRuns.RunAsync(
        [
            "run", "nr", "--tasks", "12", "--out", dir["out"], "--llm", server.BaseUrl.ToString(), "--model", "tiny",
            "--set", "llm.pools.default.structured_output=true", "llm.pools.cheap.urls=sim", "agents.filter.llm=cheap",
            "nr.score_max_tokens=256", "nr.question_max_tokens=64",
        ]);

        var context = run.Out + run.Error + "\nserver:\n" + server.Log;
        Assert.AreEqual(0, run.ExitCode, context);
        var scores = PartReader.ReadDirectory(dir["out"]).SelectMany(r => r.Messages).Where(m => m.Agent == "score").ToList();
        Assert.IsNotEmpty(scores, "some documents pass the classifier and get scored\n" + context);
        foreach (var turn in scores)
        {
            Assert.AreEqual("stop", turn.FinishReason, turn.Content);
            using var json = JsonDocument.Parse(turn.Content!);
            Assert.AreEqual(JsonValueKind.Object, json.RootElement.ValueKind, turn.Content);
            Assert.IsTrue(json.RootElement.EnumerateObject().Count() >= 4, turn.Content);
            Assert.IsTrue(json.RootElement.EnumerateObject().All(p => p.Value.ValueKind == JsonValueKind.Number), turn.Content);
        }

        var reasons = PartReader.ReadDirectory(dir["out"]).Select(r => r.Reason).ToList();
        Assert.DoesNotContain("filter_by_score_wo_json", reasons, "every grammar-constrained score parses");
    }

    [TestMethod]
    public async Task Killed_server_restarts_on_the_same_port()
    {
        await using var server = await LlamaServer.StartAsync(parallel: 1);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var port = server.Port;

        await server.KillAsync();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(server.BaseUrl + "/models")));
        await server.RestartAsync();

        Assert.AreEqual(port, server.Port);
        var models = await http.GetFromJsonAsync<JsonElement>(new Uri(server.BaseUrl + "/models"));
        Assert.IsGreaterThan(0, models.GetProperty("data").GetArrayLength());
    }
}
