using System.Text.RegularExpressions;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Http;
using Matrix.Engine.Llm.Sim;
using Matrix.Engine.Settings;
using Matrix.Tests.Support;

namespace Matrix.Tests.Llm;

[TestClass]
public sealed partial class SimulatedLlmTests
{
    public TestContext TestContext { get; set; } = null!;

    [GeneratedRegex(@"\(([A-Z])\)")]
    private static partial Regex LetterRegex();

    private static void AssertSame(LlmResponse expected, LlmResponse actual)
    {
        Assert.AreEqual(expected.Content, actual.Content);
        Assert.AreEqual(expected.FinishReason, actual.FinishReason);
        Assert.AreEqual(expected.PromptTokens, actual.PromptTokens);
        Assert.AreEqual(expected.CompletionTokens, actual.CompletionTokens);
        CollectionAssert.AreEqual(expected.ToolCalls.ToList(), actual.ToolCalls.ToList());
    }

    [TestMethod]
    public void The_same_request_gives_the_same_response()
    {
        foreach (var request in LlmRequests.Mixed(25))
        {
            var first = BuiltInSim.Answer(request);
            var copy = request with { Messages = request.Messages.Select(m => m with { }).ToList() };
            AssertSame(first, BuiltInSim.Answer(copy));
            Assert.IsGreaterThan(0, first.PromptTokens);
            Assert.IsGreaterThan(0, first.CompletionTokens);
        }
    }

    [TestMethod]
    public void A_different_seed_usually_gives_a_different_reply()
    {
        var contents = Enumerable.Range(0, 40).Select(seed => BuiltInSim.Answer(LlmRequests.Discussion(seed)).Content).ToHashSet();
        Assert.IsGreaterThanOrEqualTo(35, contents.Count);
    }

    [TestMethod]
    public void Discussion_replies_end_with_a_listed_letter_or_not_sure_and_name_no_other_letter()
    {
        var unsure = 0;
        var letters = new HashSet<char>();
        for (var seed = 0; seed < 500; seed++)
        {
            var response = BuiltInSim.Answer(LlmRequests.Discussion(seed));
            var content = response.Content!;
            Assert.AreEqual("stop", response.FinishReason);
            Assert.IsLessThanOrEqualTo(1024, response.CompletionTokens);
            var matches = LetterRegex().Matches(content);
            if (content.EndsWith("I am not sure yet.", StringComparison.Ordinal))
            {
                unsure++;
                Assert.IsEmpty(matches, content);
                continue;
            }

            var match = Regex.Match(content, @"The correct answer is \(([A-Z])\)\.$");
            Assert.IsTrue(match.Success, content);
            var letter = match.Groups[1].Value[0];
            Assert.IsTrue(letter is >= 'A' and <= 'E', content);
            Assert.HasCount(1, matches, content);
            letters.Add(letter);
        }

        // 10 % unsure in expectation; 500 draws stay well within 4-16 %.
        Assert.IsTrue(unsure is > 20 and < 80, $"unsure: {unsure}");
        Assert.HasCount(5, letters);
    }

    [TestMethod]
    public void Discussion_adopts_the_other_party_s_claim_more_often_than_chance()
    {
        var adopted = 0;
        var claimed = 0;
        for (var seed = 0; seed < 500; seed++)
        {
            var content = BuiltInSim.Answer(LlmRequests.Discussion(seed, lastClaim: "D")).Content!;
            if (content.EndsWith("is (D).", StringComparison.Ordinal))
            {
                adopted++;
            }

            if (!content.EndsWith("not sure yet.", StringComparison.Ordinal))
            {
                claimed++;
            }
        }

        // Expected share of D among claims: 0.55 + 0.45 / 5 = 0.64; chance alone would be 0.2.
        Assert.IsGreaterThan(0.5, adopted / (double)claimed);
        Assert.IsLessThan(0.8, adopted / (double)claimed);
    }

    [TestMethod]
    public void Without_listed_options_the_letters_are_A_to_D()
    {
        var letters = new HashSet<char>();
        for (var seed = 0; seed < 200; seed++)
        {
            var request = new LlmRequest("t", seed, [ChatMessage.System(LlmRequests.DiscussionSystem), ChatMessage.User("hi"), ChatMessage.User("What is 2 + 2?")]);
            var match = LetterRegex().Match(BuiltInSim.Answer(request).Content!);
            if (match.Success)
            {
                letters.Add(match.Groups[1].Value[0]);
            }
        }

        CollectionAssert.AreEquivalent(new[] { 'A', 'B', 'C', 'D' }, letters.ToArray());
    }

    [TestMethod]
    public void Reply_lengths_are_heavy_tailed_and_capped_by_max_tokens()
    {
        var lengths = Enumerable.Range(0, 2000).Select(seed => BuiltInSim.Answer(LlmRequests.Discussion(seed, maxTokens: 4096)).CompletionTokens).Order().ToArray();
        var median = lengths[lengths.Length / 2];
        Assert.IsGreaterThan(median * 5, lengths[^1], $"median {median}, max {lengths[^1]}");

        for (var seed = 0; seed < 200; seed++)
        {
            var tight = BuiltInSim.Answer(LlmRequests.Discussion(seed, maxTokens: 40));
            Assert.IsLessThanOrEqualTo(40, tight.CompletionTokens);
            var tiny = BuiltInSim.Answer(LlmRequests.Discussion(seed, maxTokens: 3));
            Assert.IsLessThanOrEqualTo(3, tiny.CompletionTokens);
            Assert.AreEqual("length", tiny.FinishReason);
        }
    }

    [TestMethod]
    public void Extractor_returns_the_letter_of_the_response()
    {
        var found = 0;
        for (var seed = 0; seed < 300; seed++)
        {
            var response = BuiltInSim.Answer(LlmRequests.Extractor(seed, "We discussed it at length.\nThe correct answer is (B). Not (C)."));
            Assert.IsTrue(response.Content is "(B)" or "not sure yet", response.Content);
            Assert.IsLessThanOrEqualTo(32, response.CompletionTokens);
            found += response.Content == "(B)" ? 1 : 0;
        }

        Assert.IsGreaterThan(270, found);
    }

    [TestMethod]
    public void Extractor_is_not_sure_when_the_response_names_no_letter()
    {
        for (var seed = 0; seed < 100; seed++)
        {
            // The question's own options come before the Response: line and do not count.
            Assert.AreEqual("not sure yet", BuiltInSim.Answer(LlmRequests.Extractor(seed, "I am not sure yet.")).Content);
        }
    }

    [TestMethod]
    public void Other_prompts_get_prose()
    {
        var response = BuiltInSim.Answer(new LlmRequest("t", 1, [ChatMessage.User("Tell me a story.")]));
        Assert.IsFalse(string.IsNullOrWhiteSpace(response.Content));
        Assert.AreEqual("stop", response.FinishReason);
        Assert.IsEmpty(response.ToolCalls);
    }

    [TestMethod]
    public void Zero_latency_completes_synchronously_and_counts()
    {
        var counters = new LlmCounters();
        var llm = new SimulatedLlm(new SimFleetOptions { ZeroLatency = true }, counters, responders: BuiltInSim.Responders);
        var request = LlmRequests.Discussion(3);

        var task = llm.CompleteAsync(request, TestContext.CancellationToken);

        Assert.IsTrue(task.IsCompletedSuccessfully);
        AssertSame(BuiltInSim.Answer(request), task.Result);
        Assert.AreEqual(1, counters.Requests);
        Assert.AreEqual(task.Result.CompletionTokens, counters.CompletionTokens);
        Assert.AreEqual(task.Result.PromptTokens, counters.PromptTokens);
        Assert.AreEqual("sim", llm.Describe);
    }

    [TestMethod]
    [Timeout(30_000, CooperativeCancellation = true)]
    public async Task A_full_replica_queues_requests_and_decode_time_follows_the_model()
    {
        var time = new ManualTimeProvider();
        var fleet = new SimFleetOptions { Replicas = 1, SlotsPerReplica = 1, PrefillMicrosPerToken = 0, DecodeStepMillis = 10, DecodeStepMillisPerSequence = 0 };
        var counters = new LlmCounters();
        var llm = new SimulatedLlm(fleet, counters, time, BuiltInSim.Responders);
        var (r1, r2) = (LlmRequests.Discussion(1), LlmRequests.Discussion(2));
        var (e1, e2) = (BuiltInSim.Answer(r1), BuiltInSim.Answer(r2));
        var ct = TestContext.CancellationToken;

        var t1 = llm.CompleteAsync(r1, ct);
        await time.WaitForTimerAsync(ct);
        var t2 = llm.CompleteAsync(r2, ct);
        Assert.AreEqual(TimeSpan.FromMilliseconds(10 * e1.CompletionTokens), time.DueTimes[0]);
        Assert.AreEqual(1, llm.Running);

        time.Advance(TimeSpan.FromMilliseconds((10 * e1.CompletionTokens) - 1));
        Assert.IsFalse(t1.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        AssertSame(e1, await t1);

        // The second request got the slot only now.
        await time.WaitForTimerAsync(ct);
        Assert.IsFalse(t2.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(10 * e2.CompletionTokens));
        AssertSame(e2, await t2);
        Assert.AreEqual(2, counters.Requests);
        Assert.AreEqual((long)e1.CompletionTokens + e2.CompletionTokens, counters.CompletionTokens);
    }

    [TestMethod]
    [Timeout(30_000, CooperativeCancellation = true)]
    public async Task A_decode_step_slows_down_with_the_batch()
    {
        var time = new ManualTimeProvider();
        var fleet = new SimFleetOptions { Replicas = 1, SlotsPerReplica = 4, PrefillMicrosPerToken = 100, DecodeStepMillis = 2, DecodeStepMillisPerSequence = 0.5 };
        var llm = new SimulatedLlm(fleet, new LlmCounters(), time, BuiltInSim.Responders);
        var ct = TestContext.CancellationToken;
        var requests = Enumerable.Range(0, 3).Select(i => LlmRequests.Discussion(i)).ToArray();

        var tasks = new List<Task<LlmResponse>>();
        foreach (var r in requests)
        {
            tasks.Add(llm.CompleteAsync(r, ct));
            await time.WaitForTimerAsync(ct);
        }

        for (var i = 0; i < requests.Length; i++)
        {
            var e = BuiltInSim.Answer(requests[i]);
            var expected = fleet.ServiceTime(e.PromptTokens, e.CompletionTokens, batch: i + 1);
            Assert.AreEqual(TimeSpan.FromMilliseconds(Math.Round(expected.TotalMilliseconds)), time.DueTimes[i]);
        }

        time.Advance(TimeSpan.FromHours(1));
        await Task.WhenAll(tasks);
        Assert.AreEqual(0, llm.Running);
    }

    [TestMethod]
    public void Cancelled_before_start_is_cancelled()
    {
        var llm = new SimulatedLlm(new SimFleetOptions { ZeroLatency = true }, new LlmCounters(), responders: BuiltInSim.Responders);
        var task = llm.CompleteAsync(LlmRequests.Discussion(1), new CancellationToken(canceled: true));
        Assert.IsTrue(task.IsCanceled);
    }

    [TestMethod]
    public void Capacity_follows_from_the_fleet_parameters()
    {
        var fleet = new SimFleetOptions();
        Assert.AreEqual(8 * 64 / (8 + (64 * 0.12)) * 1000, fleet.CapacityTokensPerSecond, 1e-6);
        Assert.IsTrue(double.IsPositiveInfinity((fleet with { ZeroLatency = true }).CapacityTokensPerSecond));
    }

    [TestMethod]
    public void Settings_declare_and_read_the_fleet_and_http_keys()
    {
        var schema = new SettingsSchema();
        SimFleetOptions.Declare(schema);
        HttpLlmOptions.Declare(schema);
        var settings = new RunSettings(schema);
        Assert.AreEqual(new SimFleetOptions(), SimFleetOptions.FromSettings(settings));
        var urls = new[] { new Uri("http://node17:8000/v1") };
        var defaults = HttpLlmOptions.FromSettings(settings, urls, "m");
        Assert.AreEqual(new HttpLlmOptions(urls, "m"), defaults);

        settings.Set("sim.replicas", "3", "test");
        settings.Set("sim.zero_latency", "true", "test");
        settings.Set("llm.timeout_seconds", "1.5", "test");
        settings.Set("llm.max_retries", "0", "test");
        Assert.AreEqual(3, SimFleetOptions.FromSettings(settings).Replicas);
        Assert.IsTrue(SimFleetOptions.FromSettings(settings).ZeroLatency);
        var http = HttpLlmOptions.FromSettings(settings, urls, "m");
        Assert.AreEqual(TimeSpan.FromSeconds(1.5), http.RequestTimeout);
        Assert.AreEqual(0, http.MaxRetries);
        Assert.ThrowsExactly<SettingsException>(() => settings.Set("sim.slots", "0", "test"));
        Assert.ThrowsExactly<SettingsException>(() => settings.Set("llm.max_connections", "-1", "test"));
    }
}
