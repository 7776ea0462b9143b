using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Store;
using Matrix.Engine.Transport;
using Matrix.Store.Content;
using Matrix.Tests.Support;

namespace Matrix.Tests.Engine;

/// <summary>A turn's reasoning, finish reason and model: from the response into the turn, across ranks, through offloading.</summary>
[TestClass]
public sealed class TurnFieldsTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task An_llm_agent_records_the_calls_fields_and_names_itself_in_the_request()
    {
        var llm = new RecordingLlm(new LlmResponse("4", LlmResponse.NoToolCalls, "length", 9, 3) { Reasoning = "2+2", Model = "qwen3" });
        var task = new Orchestrator("row#0", 0, 1, 0, "row");

        await new EchoAgent(llm).RunAsync(task, TestContext.CancellationToken);

        Assert.AreEqual("solver", llm.Requests.Single().Agent);
        var turn = task.History.Single();
        Assert.AreEqual(("solver", ChatRoles.Assistant, "4"), (turn.Agent, turn.Role, turn.Content));
        Assert.AreEqual(("2+2", "length", "qwen3"), (turn.Reasoning, turn.FinishReason, turn.Model));
    }

    [TestMethod]
    public void A_turn_keeps_its_reasoning_finish_reason_and_model_across_ranks()
    {
        var scenario = new PingPongScenario();
        var codec = new OrchestratorCodec(scenario.Name, scenario.MessageTypes);
        var task = new Orchestrator("row1#0", 0, 9, 1, 1) { State = new PingPongScenario.Counter() };
        task.Append(new Turn("judge", ChatRoles.Assistant, "yes", null, 5, 2)
        {
            Reasoning = "long thought ✓",
            FinishReason = "stop",
            Model = "gpt-oss-20b",
            ReasoningRef = new ContentRef(2, 77, 16),
        });
        task.Append(new Turn("tools", ChatRoles.Tool, "{}") { ToolCallId = "c1" });

        var (arrived, role, _) = codec.Decode(codec.Encode(task, "pong", 0));

        Assert.AreEqual("pong", role);
        CollectionAssert.AreEqual(task.History.ToList(), arrived.History.ToList());
        Assert.IsNull(arrived.History[1].FinishReason);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Long_reasoning_is_offloaded_and_comes_back_only_for_the_sink()
    {
        var root = Path.Combine(Path.GetTempPath(), "matrix-turn-tests", Guid.NewGuid().ToString("N"));
        try
        {
            await using var store = FasterContentStore.Open(new ContentStoreOptions { Directory = root, Rank = 0 });
            var gateway = new ContentGateway(store, thresholdBytes: 64, rank: 0, transport: null);
            var reasoning = string.Concat(Enumerable.Repeat("thinking step ✓ ", 40));
            var task = new Orchestrator("row#0", 0, 1, 0, "row");
            task.Append(new Turn("a", ChatRoles.Assistant, "short", null, 1, 1) { Reasoning = reasoning, FinishReason = "stop", Model = "m" });
            task.Append(new Turn("b", ChatRoles.Assistant, "short too", null, 1, 1) { Reasoning = "brief", Model = "m" });
            var ct = TestContext.CancellationToken;

            await gateway.OffloadAsync(task, ct);

            Assert.IsNull(task.History[0].Reasoning);
            Assert.IsNotNull(task.History[0].ReasoningRef);
            Assert.AreEqual("short", task.History[0].Content, "the content is below the threshold");
            Assert.AreEqual("brief", task.History[1].Reasoning, "short reasoning stays in the turn");

            await gateway.HydrateAsync(task, withReasoning: false, ct);
            Assert.IsNull(task.History[0].Reasoning, "an agent's step does not fetch reasoning");

            await gateway.HydrateAsync(task, withReasoning: true, ct);
            Assert.AreEqual(reasoning, task.History[0].Reasoning);
            Assert.AreEqual(("stop", "m"), (task.History[0].FinishReason, task.History[0].Model));

            await gateway.OffloadAsync(task, ct);
            Assert.IsNull(task.History[0].Reasoning, "a fetched copy is dropped again");
            Assert.AreEqual(reasoning, await store.GetAsync(task.History[0].ReasoningRef!.Value, ct));
            await gateway.FreeAsync(task, ct);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private sealed class EchoAgent(ILlmClient llm) : LlmAgent("solver", llm)
    {
        protected override IReadOnlyList<ChatMessage> BuildMessages(Orchestrator task) => [ChatMessage.User("2+2?")];
    }

    private sealed class RecordingLlm(LlmResponse response) : ILlmClient
    {
        public List<LlmRequest> Requests { get; } = [];

        public string Describe => "recording";

        public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken = default)
        {
            Requests.Add(request);
            return Task.FromResult(response);
        }
    }
}
