using System.Collections.Concurrent;
using System.Text.Json;
using Matrix.Engine.Llm.Sim;
using Matrix.Hosting.SimServer;
using Matrix.Store.Arrow.Read;
using Matrix.Tests.Support;

namespace Matrix.Tests.Hosting;

/// <summary>
/// LLM pools through <c>matrix run</c>: each role on its own pool, per-role request options, API keys that never
/// reach a file, and the faults of a loaded fleet (truncated answers, context-length refusals), against real
/// sim-servers over HTTP.
/// </summary>
[TestClass]
public sealed class LlmPoolRunTests
{
    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task A_two_pool_yaml_sends_the_extractor_to_its_own_pool_and_model()
    {
        var big = new ConcurrentBag<string>();
        var small = new ConcurrentBag<string>();
        await using var a = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, OnRequest = (body, _) => big.Add(body) });
        await using var b = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, OnRequest = (body, _) => small.Add(body) });
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir["run.yaml"], $"""
            llm:
              model: big-model
              pools:
                default:
                  urls: [{a.BaseUrl}]
                small:
                  urls:
                    - {b.BaseUrl}
                  model: small-model
            agents:
              extractor:
                llm: small
            """, Ct);

        var run = await HostRun.MatrixAsync("run", "coral", "--tasks", "20", "--out", dir["out"], "--config", dir["run.yaml"]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        Assert.IsNotEmpty(small);
        Assert.IsTrue(small.All(body => Model(body) == "small-model"), "the small pool gets only the extractor's calls, with its own model");
        Assert.IsTrue(big.All(body => Model(body) == "big-model"));
        var turns = PartReader.ReadDirectory(dir["out"]).SelectMany(r => r.Messages).Where(m => m.CompletionTokens > 0).ToList();
        Assert.AreEqual(small.Count, turns.Count(m => m.Agent == "extractor"));
        Assert.IsTrue(turns.All(m => m.Model == (m.Agent == "extractor" ? "small-model" : "big-model")), "each turn records the model that answered it");
        var pools = Manifest(dir["out"]).GetProperty("llm").GetProperty("pools");
        CollectionAssert.AreEqual(new[] { "default", "small" }, pools.EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToArray());
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task Set_defines_a_pool_of_several_urls_and_role_options_replace_the_scenarios()
    {
        var seen = new ConcurrentBag<string>();
        await using var a = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, OnRequest = (body, _) => seen.Add(body) });
        await using var b = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, OnRequest = (body, _) => seen.Add(body) });
        await using var main = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders });
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir["extra.yaml"], """
            agents:
              extractor:
                extra_body:
                  top_k: 20
                  repetition_penalty: 1.05
                  chat_template_kwargs: {enable_thinking: false}
                  temperature: 0.25
            """, Ct);

        var run = await HostRun.MatrixAsync(
            "run", "coral", "--tasks", "30", "--out", dir["out"], "--llm", main.BaseUrl.ToString(), "--config", dir["extra.yaml"],
            "--set", $"llm.pools.small.urls={a.BaseUrl},{b.BaseUrl}",
            "--set", "agents.extractor.llm=small",
            "--set", "agents.extractor.max_tokens=7",
            "--set", "agents.extractor.stop=###,END");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        Assert.IsTrue(a.Completed > 0 && b.Completed > 0, "both URLs of the pool serve");
        foreach (var body in seen)
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            Assert.AreEqual(7, root.GetProperty("max_tokens").GetInt32());
            Assert.AreEqual(20, root.GetProperty("top_k").GetInt32());
            Assert.AreEqual(1.05, root.GetProperty("repetition_penalty").GetDouble());
            Assert.IsFalse(root.GetProperty("chat_template_kwargs").GetProperty("enable_thinking").GetBoolean());
            Assert.AreEqual(0.25, root.GetProperty("temperature").GetDouble(), "an extra_body member replaces the standard field");
            Assert.AreEqual(1, body.Split("\"temperature\"").Length - 1, "no key twice");
            CollectionAssert.AreEqual(new[] { "###", "END" }, root.GetProperty("stop").EnumerateArray().Select(s => s.GetString()).ToArray());
        }
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task Steps_that_expect_json_ask_for_structured_output_only_from_pools_that_support_it()
    {
        var bodies = new ConcurrentBag<string>();
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, OnRequest = (body, _) => bodies.Add(body) });
        using var dir = new TempDir();

        var plain = await HostRun.MatrixAsync("run", "nr", "--tasks", "60", "--out", dir["plain"], "--llm", server.BaseUrl.ToString());
        Assert.AreEqual(0, plain.ExitCode, plain.Error);
        Assert.IsFalse(bodies.Any(b => b.Contains("\"response_format\"", StringComparison.Ordinal)), "a pool without structured_output never gets response_format");

        bodies.Clear();
        var structured = await HostRun.MatrixAsync("run", "nr", "--tasks", "60", "--out", dir["structured"], "--llm", server.BaseUrl.ToString(), "--set", "llm.pools.default.structured_output=true");
        Assert.AreEqual(0, structured.ExitCode, structured.Error);
        var formats = bodies.Select(b => JsonDocument.Parse(b).RootElement)
            .Where(r => r.TryGetProperty("response_format", out _))
            .Select(r => r.GetProperty("response_format"))
            .ToList();
        Assert.IsNotEmpty(formats, "nr's score and question steps ask for JSON");
        Assert.IsLessThan(bodies.Count, formats.Count, "the Yes/No classifier does not");
        foreach (var format in formats)
        {
            Assert.AreEqual("json_schema", format.GetProperty("type").GetString());
            Assert.AreEqual(JsonValueKind.Object, format.GetProperty("json_schema").GetProperty("schema").ValueKind);
        }
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task The_two_pool_examples_of_the_docs_run_as_written_with_their_urls_pointed_at_sim_servers()
    {
        var big = new ConcurrentBag<(string Body, string? Auth)>();
        var small = new ConcurrentBag<string>();
        var key = "fleet-" + Guid.NewGuid().ToString("N");
        await using var a = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, ApiKey = key, OnRequest = (body, auth) => big.Add((body, auth)) });
        await using var b = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, OnRequest = (body, _) => small.Add(body) });
        using var dir = new TempDir();

        var coral = await HostRun.MatrixAsync(
            "run", "coral", "--tasks", "10", "--out", dir["coral"], "--config", Path.Combine(Repo.Root, "examples", "pools", "coral-two-pools.yaml"),
            "--set", $"llm.pools.default.urls={a.BaseUrl}", "--set", $"llm.pools.small.urls={b.BaseUrl}", "--set", "llm.pools.default.api_key_env=MATRIX_TEST_FLEET_KEY");
        Assert.AreEqual(2, coral.ExitCode, "the key variable is not set yet");

        Environment.SetEnvironmentVariable("MATRIX_TEST_FLEET_KEY", key);
        Environment.SetEnvironmentVariable("FLEET_KEY", key);
        try
        {
            coral = await HostRun.MatrixAsync(
                "run", "coral", "--tasks", "10", "--out", dir["coral"], "--config", Path.Combine(Repo.Root, "examples", "pools", "coral-two-pools.yaml"),
                "--set", $"llm.pools.default.urls={a.BaseUrl}", "--set", $"llm.pools.small.urls={b.BaseUrl}", "--set", "llm.pools.default.api_key_env=MATRIX_TEST_FLEET_KEY");
            Assert.AreEqual(0, coral.ExitCode, coral.Error);
            Assert.IsTrue(small.All(body => Model(body) == "Qwen/Qwen2.5-1.5B-Instruct") && !small.IsEmpty);
            Assert.IsTrue(big.All(x => Model(x.Body) == "meta-llama/Llama-3.1-70B-Instruct") && !big.IsEmpty);

            small.Clear();
            big.Clear();
            await File.WriteAllTextAsync(dir["urls.txt"], $"{a.BaseUrl}\n", Ct);
            var nr = await HostRun.MatrixAsync(
                "run", "nr", "--tasks", "40", "--out", dir["nr"], "--config", Path.Combine(Repo.Root, "examples", "pools", "nr-two-pools.yaml"),
                "--set", $"llm.pools.default.urls_file={dir["urls.txt"]}", "--set", $"llm.pools.small.urls={b.BaseUrl}");
            Assert.AreEqual(0, nr.ExitCode, nr.Error);
            Assert.IsTrue(small.All(body => Model(body) == "meta-llama/Llama-3.2-3B-Instruct" && body.Contains("\"top_k\":20", StringComparison.Ordinal)) && !small.IsEmpty, "the classifier on the small pool with its extra_body");
            Assert.IsTrue(big.All(x => x.Auth == "Bearer " + key && x.Body.Contains("\"response_format\"", StringComparison.Ordinal)), "the large pool with its key and structured output");
        }
        finally
        {
            Environment.SetEnvironmentVariable("MATRIX_TEST_FLEET_KEY", null);
            Environment.SetEnvironmentVariable("FLEET_KEY", null);
        }
    }

    [TestMethod]
    public async Task A_role_naming_an_unknown_pool_exits_2_with_one_line()
    {
        using var dir = new TempDir();
        var run = await HostRun.MatrixAsync("run", "coral", "--tasks", "2", "--out", dir["out"], "--set", "agents.extractor.llm=tiny");

        Assert.AreEqual(2, run.ExitCode);
        Assert.HasCount(1, run.ErrorLines);
        Assert.Contains("agents.extractor.llm names the LLM pool 'tiny', which is not defined", run.Error);
        Assert.Contains("llm.pools.tiny.urls", run.Error);
    }

    [TestMethod]
    public async Task A_pool_without_urls_exits_2_naming_the_keys()
    {
        using var dir = new TempDir();
        var run = await HostRun.MatrixAsync("run", "coral", "--tasks", "2", "--out", dir["out"], "--set", "llm.pools.small.model=m", "--set", "agents.extractor.llm=small");

        Assert.AreEqual(2, run.ExitCode);
        Assert.HasCount(1, run.ErrorLines);
        Assert.Contains("LLM pool 'small' has no endpoints: set llm.pools.small.urls", run.Error);
    }

    [TestMethod]
    public async Task Bad_pool_settings_exit_2_with_one_line_each()
    {
        using var dir = new TempDir();
        var cases = new (string[] Args, string Expected)[]
        {
            (["--set", "llm.pools.small.urls=sim,http://a/v1"], "mixes 'sim' with server URLs"),
            (["--set", "llm.pools.small.urls=ftp://a/v1"], "'ftp://a/v1' is neither 'sim', 'oracle' nor an http(s) base URL"),
            (["--set", $"llm.pools.small.urls_file={dir["missing.txt"]}"], "does not exist"),
            (["--set", "llm.pools.small.urls=sim", "--set", "llm.pools.small.api_key_env=MATRIX_TEST_UNSET_VARIABLE"], "the environment variable 'MATRIX_TEST_UNSET_VARIABLE' is not set"),
            (["--set", "agents.extractor.extra_body=[1,2]"], "expects a JSON object"),
            (["--set", "llm.pools.small.max_connection=3"], "unknown setting 'llm.pools.small.max_connection' (did you mean 'llm.pools.small.max_connections'?)"),
        };
        foreach (var (args, expected) in cases)
        {
            var run = await HostRun.MatrixAsync(["run", "coral", "--tasks", "2", "--out", dir["out"], .. args]);
            Assert.AreEqual(2, run.ExitCode, string.Join(' ', args));
            Assert.HasCount(1, run.ErrorLines, run.Error);
            Assert.Contains(expected, run.Error);
        }
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task The_api_key_is_sent_as_a_bearer_and_appears_in_no_file_the_run_writes()
    {
        var secret = "sk-matrix-" + Guid.NewGuid().ToString("N");
        var variable = "MATRIX_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var auth = new ConcurrentBag<string?>();
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, ApiKey = secret, OnRequest = (_, a) => auth.Add(a) });
        using var dir = new TempDir();
        Environment.SetEnvironmentVariable(variable, secret);
        try
        {
            var refused = await HostRun.MatrixAsync("run", "nr", "--tasks", "5", "--out", dir["refused"], "--llm", server.BaseUrl.ToString());
            Assert.AreEqual(2, refused.ExitCode);
            Assert.Contains("the server wants an API key: set the pool's api_key_env", refused.Error);

            var run = await HostRun.MatrixAsync("run", "nr", "--tasks", "40", "--out", dir["out"], "--llm", server.BaseUrl.ToString(), "--set", $"llm.pools.default.api_key_env={variable}");

            Assert.AreEqual(0, run.ExitCode, run.Error);
            Assert.IsNotEmpty(auth);
            Assert.IsTrue(auth.All(a => a == "Bearer " + secret));
            Assert.DoesNotContain(secret, run.Out + run.Error);
            foreach (var file in Directory.EnumerateFiles(dir.Path, "*", SearchOption.AllDirectories))
            {
                var bytes = await File.ReadAllBytesAsync(file, Ct);
                Assert.IsFalse(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)) >= 0, $"{file} holds the API key");
            }

            Assert.AreEqual(variable, Manifest(dir["out"]).GetProperty("config").GetProperty("llm.pools.default.api_key_env").GetString(), "the manifest names the variable, not its value");
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [TestMethod]
    [Timeout(180_000, CooperativeCancellation = true)]
    public async Task Truncated_answers_are_retried_and_every_task_succeeds()
    {
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, TruncateRate = 0.03, FaultSeed = 11 });
        using var dir = new TempDir();

        var run = await HostRun.MatrixAsync("run", "coral", "--tasks", "300", "--out", dir["out"], "--llm", server.BaseUrl.ToString(), "--set", "llm.backoff_ms=1");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var rows = PartReader.ReadDirectory(dir["out"]);
        Assert.HasCount(300, rows);
        Assert.IsTrue(rows.All(r => r.Status == "success"), string.Join("; ", rows.Where(r => r.Status != "success").Select(r => r.Error).Take(3)));
        Assert.IsGreaterThan(0, server.InjectedTruncations);
        var llm = Manifest(dir["out"]).GetProperty("llm");
        Assert.AreEqual(server.InjectedTruncations, llm.GetProperty("malformed_retried").GetInt64());
        Assert.IsGreaterThanOrEqualTo(server.InjectedTruncations, llm.GetProperty("retries").GetInt64());
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task A_prompt_longer_than_the_context_fails_its_task_with_context_length_and_keeps_the_trajectory()
    {
        // The teacher's calls fit; the extractor asks for more tokens than the context holds, as vLLM would refuse.
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, MaxContextTokens = 50_000 });
        using var dir = new TempDir();

        var run = await HostRun.MatrixAsync("run", "coral", "--tasks", "10", "--out", dir["out"], "--llm", server.BaseUrl.ToString(), "--set", "agents.extractor.max_tokens=60000");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var rows = PartReader.ReadDirectory(dir["out"]);
        Assert.HasCount(10, rows);
        foreach (var row in rows)
        {
            Assert.AreEqual("failed", row.Status);
            Assert.AreEqual("context_length", row.Reason);
            Assert.Contains("maximum context length is 50000 tokens", row.Error!);
            Assert.IsTrue(row.Messages.Any(m => m.Agent == "teacher" && m.CompletionTokens > 0), "the trajectory up to the refused call is kept");
        }

        Assert.AreEqual(10, Manifest(dir["out"]).GetProperty("llm").GetProperty("context_length_refusals").GetInt64());
        Assert.AreEqual(0, Manifest(dir["out"]).GetProperty("llm").GetProperty("retries").GetInt64(), "a context refusal is not retried");
    }

    private Task<SimServer> StartAsync(SimServerOptions options) =>
        SimServer.StartAsync(options with { Port = 0, Fleet = new SimFleetOptions { ZeroLatency = true } }, Ct);

    private static string? Model(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("model").GetString();
    }

    private static JsonElement Manifest(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))).RootElement;
}
