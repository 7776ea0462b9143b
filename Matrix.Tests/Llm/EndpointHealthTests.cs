using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Http;
using Matrix.Engine.Llm.Sim;
using Matrix.Hosting.SimServer;
using Matrix.Tests.Support;

namespace Matrix.Tests.Llm;

/// <summary>
/// A pool's endpoints as a loaded fleet has them: one that keeps failing is ejected and probed back, its sticky tasks
/// move on, a pool that is wholly down makes calls wait, and a URL file adds and removes endpoints during the run.
/// Real sim-servers over HTTP.
/// </summary>
[TestClass]
public sealed class EndpointHealthTests
{
    private static readonly SimFleetOptions Instant = new() { ZeroLatency = true };

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task An_endpoint_that_keeps_failing_is_ejected_and_its_tasks_move_to_the_next()
    {
        await using var broken = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, PermanentFailRate = 1.0, FailStatus = 502 });
        await using var healthy = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders });
        var counters = new LlmCounters();
        var log = new List<string>();
        await using var client = Client(counters, [broken.BaseUrl, healthy.BaseUrl], o => o with { EjectAfterFailures = 3, EjectCooldown = TimeSpan.FromMinutes(10) }, log);

        for (var task = 0; task < 60; task++)
        {
            var response = await client.CompleteAsync(LlmRequests.Discussion(task, taskId: $"row-{task}#0"), Ct);
            Assert.IsNotNull(response.Content);
        }

        Assert.AreEqual(1, counters.Ejections);
        Assert.AreEqual(3, broken.Requests, "ejected after 3 consecutive failures; no call reaches it during its cooldown");
        Assert.AreEqual(60, healthy.Completed);
        Assert.AreEqual(0, counters.Failures);
        Assert.IsTrue(log.Any(l => l.Contains(broken.BaseUrl.AbsoluteUri.TrimEnd('/') + " ejected after repeated failures", StringComparison.Ordinal)), string.Join('\n', log));
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task An_ejected_endpoint_is_probed_after_its_cooldown_and_rejoins_when_it_answers()
    {
        var port = HostRun.ClosedPort();
        var url = new Uri($"http://127.0.0.1:{port}/v1");
        await using var other = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders });
        var counters = new LlmCounters();
        var log = new List<string>();
        await using var client = Client(counters, [url, other.BaseUrl], o => o with { EjectAfterFailures = 2, EjectCooldown = TimeSpan.FromMilliseconds(500) }, log);
        var homed = Enumerable.Range(0, 200).Select(i => $"t{i}").Where(t => client.UrlIndexOf(t) == 0).Take(4).ToList();

        // Two calls homed on the dead URL fail over (one retry each) and eject it.
        await client.CompleteAsync(LlmRequests.Discussion(1, taskId: homed[0]), Ct);
        await client.CompleteAsync(LlmRequests.Discussion(2, taskId: homed[1]), Ct);
        Assert.AreEqual(1, counters.Ejections);

        // The server comes up on that port; after the cooldown the next call homed there is the probe, and it stays.
        await using var revived = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Port = port });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (revived.Completed == 0)
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, "the ejected endpoint was never probed again");
            await client.CompleteAsync(LlmRequests.Discussion(3, taskId: homed[2]), Ct);
        }

        await client.CompleteAsync(LlmRequests.Discussion(4, taskId: homed[3]), Ct);
        Assert.AreEqual(2, revived.Completed, "back in the pool: its tasks go home again");
        Assert.IsTrue(log.Any(l => l.Contains("answers again; back in the pool", StringComparison.Ordinal)), string.Join('\n', log));
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task When_the_whole_pool_is_down_a_call_waits_for_an_endpoint_instead_of_failing()
    {
        var port = HostRun.ClosedPort();
        var url = new Uri($"http://127.0.0.1:{port}/v1");
        var counters = new LlmCounters();
        await using var client = Client(counters, [url], o => o with { EjectAfterFailures = 2, EjectCooldown = TimeSpan.FromMilliseconds(500), MaxRetries = 10, UnavailableTimeout = TimeSpan.FromSeconds(45) }, []);

        var call = client.CompleteAsync(LlmRequests.Discussion(7), Ct);
        await WaitUntilAsync(() => counters.Ejections >= 1, "the dead endpoint was never ejected");
        Assert.IsFalse(call.IsCompleted, "the call waits for an endpoint of its pool");
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Port = port });

        var response = await call;

        Assert.IsNotNull(response.Content);
        Assert.AreEqual(1, server.Completed);
        Assert.AreEqual(0, counters.Failures);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task A_pool_down_for_longer_than_the_unavailable_timeout_fails_the_call_with_its_name()
    {
        var url = new Uri($"http://127.0.0.1:{HostRun.ClosedPort()}/v1");
        var counters = new LlmCounters();
        await using var client = Client(counters, [url], o => o with { PoolName = "small", EjectAfterFailures = 2, EjectCooldown = TimeSpan.FromSeconds(30), MaxRetries = 5, UnavailableTimeout = TimeSpan.FromMilliseconds(300) }, []);

        var ex = await Assert.ThrowsExactlyAsync<LlmException>(() => client.CompleteAsync(LlmRequests.Discussion(7), Ct));

        Assert.Contains("no endpoint of LLM pool 'small' was available for 0.3 s", ex.Message);
        Assert.AreEqual(1, counters.Failures);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Urls_file_lines_join_the_pool_and_removed_lines_leave_it()
    {
        await using var a = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders });
        await using var b = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders });
        using var dir = new TempDir();
        var file = dir["urls.txt"];
        await File.WriteAllTextAsync(file, $"# fleet\n{a.BaseUrl}\nnot a url\n", Ct);
        var counters = new LlmCounters();
        var log = new List<string>();
        await using var client = Client(counters, [], o => o with { UrlsFile = file, UrlsFilePoll = TimeSpan.FromMinutes(10) }, log);
        CollectionAssert.AreEqual(new[] { Base(a) }, client.CurrentUrls.ToArray());
        Assert.IsTrue(log.Any(l => l.Contains("urls.txt:3: 'not a url' is not an http(s) base URL; skipped", StringComparison.Ordinal)), string.Join('\n', log));

        await File.AppendAllTextAsync(file, $"{b.BaseUrl}\n", Ct);
        client.RefreshUrls();
        CollectionAssert.AreEqual(new[] { Base(a), Base(b) }, client.CurrentUrls.ToArray());
        for (var task = 0; task < 30; task++)
        {
            await client.CompleteAsync(LlmRequests.Discussion(task, taskId: $"row-{task}#0"), Ct);
        }

        Assert.IsTrue(a.Completed > 0 && b.Completed > 0, "both serve once b joined");

        await File.WriteAllTextAsync(file, $"{b.BaseUrl}\n", Ct);
        client.RefreshUrls();
        var before = a.Requests;
        for (var task = 0; task < 30; task++)
        {
            await client.CompleteAsync(LlmRequests.Discussion(task, taskId: $"row-{task}#0"), Ct);
        }

        Assert.AreEqual(before, a.Requests, "a left the pool");
        Assert.IsTrue(log.Any(l => l.Contains($"{Base(a)} left", StringComparison.Ordinal)));
        Assert.IsTrue(log.Any(l => l.Contains($"{Base(b)} joined", StringComparison.Ordinal)));
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task A_urls_file_is_reread_on_its_own_and_an_empty_file_makes_calls_wait_for_a_server()
    {
        await using var a = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders });
        using var dir = new TempDir();
        var file = dir["urls.txt"];
        await File.WriteAllTextAsync(file, string.Empty, Ct);
        var counters = new LlmCounters();
        await using var client = Client(counters, [], o => o with { UrlsFile = file, UrlsFilePoll = TimeSpan.FromMilliseconds(100) }, []);

        var call = client.CompleteAsync(LlmRequests.Discussion(3), Ct);
        Assert.IsFalse(call.IsCompleted);
        await File.WriteAllTextAsync(file, $"{a.BaseUrl}\n", Ct);

        Assert.IsNotNull((await call).Content);
        Assert.AreEqual(1, a.Completed);
    }

    [TestMethod]
    public void Context_length_refusals_are_recognised_in_each_servers_words()
    {
        string[] refusals =
        [
            """{"error":{"code":400,"message":"request (40000 tokens) exceeds the available context size (32768 tokens), try increasing it","type":"exceed_context_size_error","n_prompt_tokens":40000,"n_ctx":32768}}""",
            """{"object":"error","message":"This model's maximum context length is 32768 tokens. However, you requested 40000 tokens (39000 in the messages, 1000 in the completion). Please reduce the length of the messages or completion.","type":"BadRequestError","param":null,"code":400}""",
            """{"object":"error","message":"The input (40000 tokens) is longer than the model's context length (32768 tokens).","type":"BadRequestError","param":null,"code":400}""",
            """{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}""",
        ];
        foreach (var body in refusals)
        {
            Assert.IsTrue(ContextLengthRefusal.Matches(400, body), body);
        }

        Assert.IsFalse(ContextLengthRefusal.Matches(400, """{"error":{"message":"'messages' must be a non-empty array","type":"invalid_request_error"}}"""));
        Assert.IsFalse(ContextLengthRefusal.Matches(500, refusals[0]), "a 5xx is the server's trouble, retried");
    }

    [TestMethod]
    public void The_cooldown_doubles_with_every_failed_probe_up_to_its_cap()
    {
        var first = TimeSpan.FromSeconds(5);
        var max = TimeSpan.FromSeconds(60);
        CollectionAssert.AreEqual(
            new[] { 5.0, 10, 20, 40, 60, 60 },
            Enumerable.Range(0, 6).Select(n => LlmEndpoint.Cooldown(first, max, n).TotalSeconds).ToArray());
    }

    private Task<SimServer> StartAsync(SimServerOptions options) => SimServer.StartAsync(options with { Fleet = Instant }, Ct);

    private static string Base(SimServer s) => s.BaseUrl.AbsoluteUri.TrimEnd('/');

    private static OpenAiHttpClient Client(LlmCounters counters, Uri[] urls, Func<HttpLlmOptions, HttpLlmOptions> configure, List<string> log) =>
        new(
            configure(new HttpLlmOptions(urls, "sim")
            {
                RequestTimeout = TimeSpan.FromSeconds(20),
                MaxRetries = 4,
                InitialBackoff = TimeSpan.FromMilliseconds(1),
                MaxBackoff = TimeSpan.FromMilliseconds(5),
            }),
            counters,
            logger: new ListLogger(log));

    private async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.IsLessThan(deadline, DateTime.UtcNow, failure);
            await Task.Delay(20, Ct);
        }
    }
}
