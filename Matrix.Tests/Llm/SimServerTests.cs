using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Http;
using Matrix.Engine.Llm.Sim;
using Matrix.Hosting.SimServer;
using Matrix.Tests.Support;

namespace Matrix.Tests.Llm;

[TestClass]
public sealed class SimServerTests
{
    private static readonly SimFleetOptions Instant = new() { ZeroLatency = true };

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Ct => TestContext.CancellationToken;

    private Task<SimServer> StartAsync(SimServerOptions? options = null) =>
        SimServer.StartAsync(options ?? new SimServerOptions { Responders = BuiltInSim.Responders, Fleet = Instant }, Ct);

    private static OpenAiHttpClient Client(LlmCounters counters, params SimServer[] servers) =>
        Client(counters, TimeSpan.FromSeconds(30), 3, servers);

    private static OpenAiHttpClient Client(LlmCounters counters, TimeSpan timeout, int retries, params SimServer[] servers) =>
        new(new HttpLlmOptions(servers.Select(s => s.BaseUrl).ToList(), "sim")
        {
            RequestTimeout = timeout,
            MaxRetries = retries,
            InitialBackoff = TimeSpan.FromMilliseconds(1),
            MaxBackoff = TimeSpan.FromMilliseconds(5),
        }, counters);

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Http_answers_equal_in_process_answers()
    {
        await using var server = await StartAsync();
        var counters = new LlmCounters();
        using var client = Client(counters, server);

        var requests = LlmRequests.Mixed(50);
        foreach (var request in requests)
        {
            var expected = BuiltInSim.Answer(request);
            var actual = await client.CompleteAsync(request, Ct);
            Assert.AreEqual(expected.Content, actual.Content);
            Assert.AreEqual(expected.FinishReason, actual.FinishReason);
            Assert.AreEqual(expected.PromptTokens, actual.PromptTokens);
            Assert.AreEqual(expected.CompletionTokens, actual.CompletionTokens);
            CollectionAssert.AreEqual(expected.ToolCalls.ToList(), actual.ToolCalls.ToList());
        }

        Assert.AreEqual(50, counters.Requests);
        Assert.AreEqual(0, counters.Retries);
        Assert.AreEqual(requests.Sum(r => (long)BuiltInSim.Answer(r).CompletionTokens), counters.CompletionTokens);
        Assert.AreEqual(50, server.Completed);
        Assert.AreEqual(counters.CompletionTokens, server.Counters.CompletionTokens);
        Assert.AreEqual(server.BaseUrl.AbsoluteUri.TrimEnd('/'), client.Describe);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Concurrent_calls_through_the_timed_fleet_all_complete()
    {
        var fleet = new SimFleetOptions { Replicas = 2, SlotsPerReplica = 4, PrefillMicrosPerToken = 1, DecodeStepMillis = 0.01, DecodeStepMillisPerSequence = 0.001 };
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Fleet = fleet });
        var counters = new LlmCounters();
        using var client = Client(counters, server);

        var requests = LlmRequests.Mixed(40);
        var answers = await Task.WhenAll(requests.Select(r => client.CompleteAsync(r, Ct)));

        for (var i = 0; i < requests.Count; i++)
        {
            Assert.AreEqual(BuiltInSim.Answer(requests[i]).Content, answers[i].Content);
        }

        Assert.AreEqual(40, server.Completed);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Models_health_and_malformed_requests()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();

        using var models = JsonDocument.Parse(await http.GetStringAsync(new Uri(server.BaseUrl + "/models"), Ct));
        Assert.AreEqual("list", models.RootElement.GetProperty("object").GetString());
        Assert.AreEqual("sim", models.RootElement.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.AreEqual("ok", await http.GetStringAsync(new Uri($"http://127.0.0.1:{server.Port}/health"), Ct));

        foreach (var body in new[] { "not json", "{\"messages\": []}", "{\"messages\": [{\"content\": \"no role\"}]}", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"max_tokens\": \"many\"}" })
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(new Uri(server.BaseUrl + "/chat/completions"), content, Ct);
            Assert.AreEqual(HttpStatusCode.BadRequest, response.StatusCode, body);
            using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.AreEqual("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        }

        Assert.AreEqual(4, server.BadRequests);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task The_response_is_in_openai_format()
    {
        await using var server = await StartAsync();
        using var http = new HttpClient();
        const string body = """{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"Hello"}]}],"seed":5,"max_tokens":64}""";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri(server.BaseUrl + "/chat/completions"), content, Ct);
        Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var root = doc.RootElement;
        Assert.AreEqual("chat.completion", root.GetProperty("object").GetString());
        Assert.AreEqual("m", root.GetProperty("model").GetString());
        var choice = root.GetProperty("choices")[0];
        Assert.AreEqual("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        var expected = BuiltInSim.Answer(new LlmRequest("x", 5, [ChatMessage.User("Hello")]) { MaxTokens = 64 });
        Assert.AreEqual(expected.Content, choice.GetProperty("message").GetProperty("content").GetString());
        Assert.AreEqual("stop", choice.GetProperty("finish_reason").GetString());
        var usage = root.GetProperty("usage");
        Assert.AreEqual(expected.PromptTokens + expected.CompletionTokens, usage.GetProperty("total_tokens").GetInt32());
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task First_attempt_failures_are_retried_until_every_call_succeeds()
    {
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Fleet = Instant, FailRate = 0.5 });
        var counters = new LlmCounters();
        using var client = Client(counters, server);

        foreach (var request in LlmRequests.Mixed(40))
        {
            var response = await client.CompleteAsync(request, Ct);
            Assert.AreEqual(BuiltInSim.Answer(request).Content, response.Content);
        }

        Assert.IsGreaterThan(0, counters.Retries);
        Assert.AreEqual(server.InjectedFailures, counters.Retries);
        Assert.AreEqual(0, counters.Failures);
        Assert.AreEqual(40, counters.Requests);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Permanent_failures_give_up_after_the_last_attempt()
    {
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Fleet = Instant, PermanentFailRate = 1.0 });
        var counters = new LlmCounters();
        using var client = Client(counters, server);

        var ex = await Assert.ThrowsExactlyAsync<LlmException>(() => client.CompleteAsync(LlmRequests.Discussion(1), Ct));

        Assert.Contains("500", ex.Message);
        Assert.Contains("4 attempts", ex.Message);
        Assert.Contains(client.Describe, ex.Message);
        Assert.Contains("injected fault", ex.Message);
        Assert.AreEqual(1, counters.Failures);
        Assert.AreEqual(3, counters.Retries);
        Assert.AreEqual(4, server.Requests);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Retry_after_is_honoured_instead_of_the_backoff()
    {
        // Retry-After: 0 beats an hour of exponential backoff (the test's timeout would fire otherwise).
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Fleet = Instant, FailRate = 1.0, FailStatus = 429, RetryAfterSeconds = 0 });
        var counters = new LlmCounters();
        using var client = new OpenAiHttpClient(new HttpLlmOptions([server.BaseUrl]) { InitialBackoff = TimeSpan.FromHours(1), MaxBackoff = TimeSpan.FromHours(1) }, counters);

        await client.CompleteAsync(LlmRequests.Discussion(2), Ct);

        Assert.AreEqual(1, counters.Retries);
        Assert.AreEqual(1, server.InjectedFailures);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Retry_after_is_capped_by_the_max_backoff()
    {
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Fleet = Instant, FailRate = 1.0, FailStatus = 429, RetryAfterSeconds = 3600 });
        var counters = new LlmCounters();
        using var client = Client(counters, server);

        await client.CompleteAsync(LlmRequests.Discussion(2), Ct);

        Assert.AreEqual(1, counters.Retries);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task A_malformed_response_is_retried_counted_and_named()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/v1");
        var fake = ServeOnceAsync(listener, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot json!", Ct);
        var counters = new LlmCounters();
        using var client = new OpenAiHttpClient(new HttpLlmOptions([url]) { MaxRetries = 0 }, counters);

        var ex = await Assert.ThrowsExactlyAsync<LlmException>(() => client.CompleteAsync(LlmRequests.Discussion(1), Ct));
        await fake;

        // A 200 that is not a chat completion is a replica in trouble: retryable like a 5xx (here no retries are allowed).
        Assert.Contains("malformed response from " + url.AbsoluteUri.TrimEnd('/'), ex.Message);
        Assert.Contains("after 1 attempt", ex.Message);
        Assert.AreEqual(1, counters.Malformed);
        Assert.AreEqual(1, counters.Failures);
        Assert.IsNull(ex.Reason);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Client_errors_are_not_retried()
    {
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Fleet = Instant, PermanentFailRate = 1.0, FailStatus = 400 });
        var counters = new LlmCounters();
        using var client = Client(counters, server);

        var ex = await Assert.ThrowsExactlyAsync<LlmException>(() => client.CompleteAsync(LlmRequests.Discussion(1), Ct));

        Assert.Contains("HTTP 400", ex.Message);
        Assert.Contains("not retried", ex.Message);
        Assert.AreEqual(0, counters.Retries);
        Assert.AreEqual(1, counters.Failures);
        Assert.AreEqual(1, server.Requests);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task A_hanging_first_attempt_times_out_and_the_retry_succeeds()
    {
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Fleet = Instant, HangRate = 1.0 });
        var counters = new LlmCounters();
        using var client = Client(counters, TimeSpan.FromMilliseconds(300), 3, server);
        var request = LlmRequests.Discussion(9);

        var response = await client.CompleteAsync(request, Ct);

        Assert.AreEqual(BuiltInSim.Answer(request).Content, response.Content);
        Assert.IsGreaterThanOrEqualTo(1, counters.Retries);
        Assert.AreEqual(0, counters.Failures);
        Assert.AreEqual(1, server.InjectedHangs);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Timeouts_on_every_attempt_name_the_timeout()
    {
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Fleet = Instant, HangRate = 1.0 });
        var counters = new LlmCounters();
        using var client = Client(counters, TimeSpan.FromMilliseconds(200), 0, server);

        var ex = await Assert.ThrowsExactlyAsync<LlmException>(() => client.CompleteAsync(LlmRequests.Discussion(9), Ct));

        Assert.Contains("timed out after 0.2 s", ex.Message);
        Assert.Contains("after 1 attempt", ex.Message);
        Assert.AreEqual(1, counters.Failures);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Caller_cancellation_is_not_a_timeout()
    {
        await using var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Fleet = Instant, HangRate = 1.0 });
        var counters = new LlmCounters();
        using var client = Client(counters, server);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAsync<OperationCanceledException>(() => client.CompleteAsync(LlmRequests.Discussion(9), cts.Token));

        Assert.AreEqual(0, counters.Retries);
        Assert.AreEqual(0, counters.Failures);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task A_task_sticks_to_one_server_and_tasks_spread_over_all()
    {
        await using var a = await StartAsync();
        await using var b = await StartAsync();
        var counters = new LlmCounters();
        using var client = Client(counters, a, b);

        for (var seed = 0; seed < 10; seed++)
        {
            await client.CompleteAsync(LlmRequests.Discussion(seed, taskId: "coral-17#0"), Ct);
        }

        var (home, other) = client.UrlIndexOf("coral-17#0") == 0 ? (a, b) : (b, a);
        Assert.AreEqual(10, home.Requests);
        Assert.AreEqual(0, other.Requests);

        for (var task = 0; task < 40; task++)
        {
            await client.CompleteAsync(LlmRequests.Discussion(task, taskId: $"row-{task}#0"), Ct);
        }

        Assert.IsGreaterThan(10, home.Requests);
        Assert.IsGreaterThan(0, other.Requests);
        Assert.AreEqual(50, a.Requests + b.Requests);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task A_retry_fails_over_to_the_next_server()
    {
        await using var live = await StartAsync();
        var deadUrl = new Uri($"http://127.0.0.1:{ClosedPort()}/v1");
        var counters = new LlmCounters();
        using var client = new OpenAiHttpClient(new HttpLlmOptions([deadUrl, live.BaseUrl]) { InitialBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(5) }, counters);
        var taskId = Enumerable.Range(0, 100).Select(i => $"t{i}").First(t => client.UrlIndexOf(t) == 0);

        var response = await client.CompleteAsync(LlmRequests.Discussion(4, taskId: taskId), Ct);

        Assert.IsNotNull(response.Content);
        Assert.AreEqual(1, counters.Retries);
        Assert.AreEqual(1, live.Requests);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Probe_names_the_url_that_does_not_answer()
    {
        await using var live = await StartAsync();
        var deadUrl = new Uri($"http://127.0.0.1:{ClosedPort()}/v1");
        using var client = new OpenAiHttpClient(new HttpLlmOptions([live.BaseUrl, deadUrl]), new LlmCounters());

        var ex = await Assert.ThrowsExactlyAsync<LlmUnavailableException>(() => client.ProbeAsync(Ct));

        Assert.Contains(deadUrl.AbsoluteUri.TrimEnd('/'), ex.Message);
        Assert.StartsWith("no LLM server answers at", ex.Message);
        Assert.DoesNotContain(Environment.NewLine, ex.Message);

        using var good = new OpenAiHttpClient(new HttpLlmOptions([live.BaseUrl]), new LlmCounters());
        await good.ProbeAsync(Ct);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Stopping_the_server_ends_hanging_requests()
    {
        var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Fleet = Instant, HangRate = 1.0 });
        using var client = Client(new LlmCounters(), TimeSpan.FromSeconds(30), 0, server);
        var call = client.CompleteAsync(LlmRequests.Discussion(1), Ct);
        while (server.InjectedHangs == 0)
        {
            await Task.Delay(10, Ct);
        }

        await server.DisposeAsync();

        await Assert.ThrowsExactlyAsync<LlmException>(() => call);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Wait_for_shutdown_returns_when_its_token_fires_and_dispose_after_stop_is_safe()
    {
        var server = await StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Host = "localhost", Fleet = Instant });
        Assert.AreEqual("127.0.0.1", server.BaseUrl.Host);
        Assert.AreEqual("/v1", server.BaseUrl.AbsolutePath);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        stop.CancelAfter(TimeSpan.FromMilliseconds(50));

        await server.WaitForShutdownAsync(stop.Token);
        await server.StopAsync(Ct);
        await server.DisposeAsync();
        await server.DisposeAsync();

        using var client = new OpenAiHttpClient(new HttpLlmOptions([server.BaseUrl]), new LlmCounters());
        await Assert.ThrowsExactlyAsync<LlmUnavailableException>(() => client.ProbeAsync(Ct));
    }

    /// <summary>Accepts one connection, reads the request's headers and body, answers <paramref name="response"/> verbatim.</summary>
    private static async Task ServeOnceAsync(TcpListener listener, string response, CancellationToken ct)
    {
        using var socket = await listener.AcceptSocketAsync(ct);
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, ct);
            if (n == 0)
            {
                break;
            }

            received.AddRange(buffer.AsSpan(0, n));
            var text = Encoding.ASCII.GetString(received.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                continue;
            }

            var lengthLine = text[..end].Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            if (received.Count >= end + 4 + length)
            {
                break;
            }
        }

        await socket.SendAsync(Encoding.ASCII.GetBytes(response), ct);
        socket.Shutdown(SocketShutdown.Both);
    }

    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
