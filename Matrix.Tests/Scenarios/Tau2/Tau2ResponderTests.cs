using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Http;
using Matrix.Engine.Llm.Sim;
using Matrix.Hosting.SimServer;
using Matrix.Scenarios.Coral.Sim;
using Matrix.Scenarios.Tau2;
using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Domains.Mock;
using Matrix.Scenarios.Tau2.Sim;
using Matrix.Tests.Llm;
using Matrix.Tests.Support;

namespace Matrix.Tests.Scenarios.Tau2;

[TestClass]
public sealed class Tau2ResponderTests
{
    private const string Policy = "# Retail agent policy\nAuthenticate the user by user id before any change. Never make up ids.";

    /// <summary>tau2's structured instructions, as Tau2TaskSpec renders them.</summary>
    private const string Structured =
        "Domain:\nretail\n\nReason for call:\nYou want to mark your task task_2 as completed. You are in a hurry today.\n\n" +
        "Known info:\nYour user id is user_7.\nYour task is called Buy groceries.\n\n" +
        "Unknown info:\nYou do not know the task description.\n\nTask instructions:\nAsk the agent to complete the task, then end the conversation.";

    private const string Plain = "You have completed the task and need to update its status. Request that task_1 be marked as completed.";

    /// <summary>Schemas shaped like tau2-bench's retail and airline tools: enums, integers, numbers, booleans, lists of ids and of objects.</summary>
    private static readonly ToolDefinition[] RichTools =
    [
        new("get_order_details", "Get the status and details of an order.",
            """{"type":"object","properties":{"order_id":{"type":"string","description":"The order id, such as '#W0000000'."}},"required":["order_id"]}"""),
        new("exchange_delivered_order_items", "Exchange items in a delivered order.",
            """{"type":"object","properties":{"order_id":{"type":"string"},"item_ids":{"type":"array","items":{"type":"string"}},"new_item_ids":{"type":"array","items":{"type":"string"}},"payment_method_id":{"type":"string"}},"required":["order_id","item_ids","new_item_ids","payment_method_id"]}"""),
        new("book_reservation", "Book a reservation.",
            """
            {"type": "object", "properties": {
              "user_id": {"type": "string"},
              "flight_type": {"type": "string", "enum": ["one_way", "round_trip"]},
              "cabin": {"type": "string", "enum": ["basic_economy", "economy", "business"]},
              "passengers": {"type": "array", "items": {"type": "object", "properties": {"first_name": {"type": "string"}, "last_name": {"type": "string"}, "dob": {"type": "string"}}, "required": ["first_name", "last_name", "dob"]}},
              "payment_methods": {"type": "array", "items": {"type": "object", "properties": {"payment_id": {"type": "string"}, "amount": {"type": "number"}}, "required": ["payment_id", "amount"]}},
              "total_baggages": {"type": "integer"},
              "insurance": {"type": "string", "enum": ["yes", "no"]},
              "flexible": {"type": "boolean", "description": "optional"},
              "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null}
            }, "required": ["user_id", "flight_type", "cabin", "passengers", "payment_methods", "total_baggages", "insurance"]}
            """),
        new("calculate", "Calculate an expression.", """{"type":"object","properties":{"expression":{"type":"string"},"precision":{"type":"integer","enum":[0,2,4]}},"required":["expression","precision"]}"""),
        new("list_all_product_types", "List the product types.", string.Empty),
        new("transfer_to_human_agents", "Transfer the user to a human agent.", """{"type":"object","properties":{"summary":{"type":"string"}},"required":["summary"]}"""),
    ];

    public TestContext TestContext { get; set; } = null!;

    private static IReadOnlyList<ToolDefinition> MockTools => MockDomain.Instance.AssistantTools.Definitions;

    private static IReadOnlyList<ToolDefinition> MockUserTools => MockDomain.Instance.UserTools!.Definitions;

    private static LlmRequest Agent(long seed, IReadOnlyList<ToolDefinition>? tools, params ChatMessage[] conversation) =>
        new("task-0", seed, [ChatMessage.System(Tau2Prompts.AgentSystem(Policy)), ChatMessage.Assistant(Tau2Prompts.Greeting), .. conversation])
        {
            Tools = tools,
            MaxTokens = 1024,
        };

    private static LlmRequest Customer(long seed, string instructions, IReadOnlyList<ToolDefinition>? tools, params ChatMessage[] conversation) =>
        new("task-0", seed, [ChatMessage.System(Tau2Prompts.UserSystem(instructions, "Direct and brief.", tools is not null)), ChatMessage.User(Tau2Prompts.Greeting), .. conversation])
        {
            Tools = tools,
            MaxTokens = 512,
        };

    private static LlmRequest Judge(long seed, IReadOnlyList<string> outcomes) =>
        new("task-0", seed,
        [
            ChatMessage.System(Tau2Prompts.JudgeInstruction),
            ChatMessage.User(Tau2Prompts.JudgeUser("user: Hi, please complete task_1.\nassistant: Done, task_1 is completed.", outcomes)),
        ])
        {
            Temperature = 0,
            MaxTokens = 2048,
        };

    private static ChatMessage Call(string id, string name, string args) => new("assistant", null) { ToolCalls = [new ToolCall(id, name, args)] };

    private static ChatMessage Result(string id, string content) => new("tool", content) { ToolCallId = id };

    /// <summary>Checks <paramref name="value"/> against <paramref name="schema"/>: type, enum, required and known fields, items.</summary>
    private static void AssertMatchesSchema(JsonElement schema, JsonElement value, string where)
    {
        if (schema.TryGetProperty("anyOf", out var anyOf))
        {
            schema = anyOf[0];
        }

        if (schema.TryGetProperty("enum", out var values))
        {
            Assert.IsTrue(values.EnumerateArray().Any(v => v.GetRawText() == value.GetRawText()), $"{where}: {value.GetRawText()} is not in {values.GetRawText()}");
        }

        var type = schema.TryGetProperty("type", out var t) ? t.GetString() : "object";
        switch (type)
        {
            case "string":
                Assert.AreEqual(JsonValueKind.String, value.ValueKind, where);
                Assert.IsFalse(string.IsNullOrEmpty(value.GetString()), where);
                break;
            case "integer":
                Assert.IsTrue(value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _), $"{where}: {value.GetRawText()}");
                break;
            case "number":
                Assert.AreEqual(JsonValueKind.Number, value.ValueKind, where);
                break;
            case "boolean":
                Assert.IsTrue(value.ValueKind is JsonValueKind.True or JsonValueKind.False, where);
                break;
            case "array":
                Assert.AreEqual(JsonValueKind.Array, value.ValueKind, where);
                Assert.IsTrue(value.GetArrayLength() is 1 or 2, where);
                foreach (var item in value.EnumerateArray())
                {
                    AssertMatchesSchema(schema.GetProperty("items"), item, where + "[]");
                }

                break;
            default:
                Assert.AreEqual(JsonValueKind.Object, value.ValueKind, where);
                var properties = schema.TryGetProperty("properties", out var p) ? p : default;
                if (schema.TryGetProperty("required", out var required))
                {
                    foreach (var name in required.EnumerateArray())
                    {
                        Assert.IsTrue(value.TryGetProperty(name.GetString()!, out _), $"{where}: required '{name}' is missing in {value.GetRawText()}");
                    }
                }

                foreach (var field in value.EnumerateObject())
                {
                    var fieldSchema = default(JsonElement);
                    Assert.IsTrue(properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(field.Name, out fieldSchema), $"{where}: unknown '{field.Name}'");
                    AssertMatchesSchema(fieldSchema, field.Value, $"{where}.{field.Name}");
                }

                break;
        }
    }

    private static void AssertValidCall(ToolCall call, IReadOnlyList<ToolDefinition> tools)
    {
        var tool = tools.SingleOrDefault(t => t.Name == call.Name);
        Assert.IsNotNull(tool, $"'{call.Name}' is not one of the given tools");
        StringAssert.StartsWith(call.Id, "call_");
        using var schema = JsonDocument.Parse(OpenAiWire.ParametersSchemaOf(tool));
        using var args = JsonDocument.Parse(call.ArgumentsJson);
        Assert.IsTrue(call.ArgumentsJson == "{}" || call.ArgumentsJson.StartsWith("{\"", StringComparison.Ordinal), "compact JSON: " + call.ArgumentsJson);
        Assert.DoesNotContain("\n", call.ArgumentsJson);
        AssertMatchesSchema(schema.RootElement, args.RootElement, call.Name);
    }

    private static void AssertSame(LlmResponse expected, LlmResponse actual)
    {
        Assert.AreEqual(expected.Content, actual.Content);
        Assert.AreEqual(expected.FinishReason, actual.FinishReason);
        Assert.AreEqual(expected.PromptTokens, actual.PromptTokens);
        Assert.AreEqual(expected.CompletionTokens, actual.CompletionTokens);
        CollectionAssert.AreEqual(expected.ToolCalls.ToList(), actual.ToolCalls.ToList());
    }

    [TestMethod]
    public void Each_tau2_responder_recognises_its_own_prompt_and_no_other()
    {
        var agent = Agent(1, MockTools, ChatMessage.User("Hi, I am user_1."));
        var customer = Customer(1, Structured, null);
        var judge = Judge(1, ["The agent completes task_1."]);
        var discussion = LlmRequests.Discussion(1);
        var extractor = LlmRequests.Extractor(1, "The correct answer is (B).");
        var other = new LlmRequest("t", 1, [ChatMessage.System("You are a retail assistant."), ChatMessage.User("Hello")]) { Tools = MockTools };
        LlmRequest[] all = [agent, customer, judge, discussion, extractor, other];

        (ISimResponder Responder, LlmRequest Own)[] tau2 =
        [
            (new Tau2AssistantResponder(), agent),
            (new Tau2UserResponder(), customer),
            (new Tau2JudgeResponder(), judge),
        ];
        foreach (var (responder, own) in tau2)
        {
            foreach (var request in all)
            {
                Assert.AreEqual(ReferenceEquals(request, own), responder.Matches(request), $"{responder.GetType().Name} on request {Array.IndexOf(all, request)}");
            }
        }

        // The coral responders come first in the list: tau2 prompts must not fool them, and they still get their own.
        foreach (var request in new[] { agent, customer, judge })
        {
            Assert.IsFalse(new MultipleChoiceResponder().Matches(request));
            Assert.IsFalse(new AnswerExtractorResponder().Matches(request));
        }

        Assert.IsTrue(new MultipleChoiceResponder().Matches(discussion));
        Assert.IsTrue(new AnswerExtractorResponder().Matches(extractor));
        StringAssert.Matches(BuiltInSim.Answer(discussion).Content, new System.Text.RegularExpressions.Regex(@"(The correct answer is \([A-E]\)|I am not sure yet)\.$"));
        Assert.IsTrue(BuiltInSim.Answer(extractor).Content is "(B)" or "not sure yet");
        StringAssert.StartsWith(BuiltInSim.Answer(judge).Content, "{\"results\": [");
        Assert.IsEmpty(BuiltInSim.Answer(other).ToolCalls, "an unknown prompt with tools gets prose, not tau2 calls");
    }

    [TestMethod]
    public void The_same_request_and_seed_give_the_same_answer()
    {
        var contents = new HashSet<string>();
        for (var seed = 0; seed < 60; seed++)
        {
            LlmRequest[] requests =
            [
                Agent(seed, RichTools, ChatMessage.User("My order #W2378156 arrived, user id yusuf_rossi_9991.")),
                Agent(seed, MockTools, ChatMessage.User("Complete task_1 please."), Call("call_1", "get_users", "{}"), Result("call_1", """[{"user_id": "user_1", "name": "Test User", "tasks": ["task_1"]}]""")),
                Customer(seed, Structured, null),
                Customer(seed, Structured, MockUserTools, ChatMessage.Assistant("Hi, I need help."), ChatMessage.User("Sure, what is your user id?")),
                Judge(seed, ["The agent completes task_1.", "The agent is polite."]),
            ];
            foreach (var request in requests)
            {
                var first = BuiltInSim.Answer(request);
                var copy = request with { Messages = request.Messages.Select(m => m with { }).ToList(), Tools = request.Tools?.Select(t => t with { }).ToList() };
                AssertSame(first, BuiltInSim.Answer(copy));
                contents.Add(first.Content + string.Join('|', first.ToolCalls));
            }
        }

        Assert.IsGreaterThan(150, contents.Count, "the seed must vary the answers");
    }

    [TestMethod]
    public void The_agent_calls_only_given_tools_with_every_required_argument_of_the_schema_type()
    {
        int calls = 0, replies = 0;
        var names = new HashSet<string>();
        foreach (var tools in new[] { RichTools, MockTools })
        {
            for (var seed = 0; seed < 400; seed++)
            {
                var response = BuiltInSim.Answer(Agent(seed, tools, ChatMessage.User("Hi! My user id is user_1 and my order is #W2378156.")));
                if (response.ToolCalls.Count == 0)
                {
                    replies++;
                    Assert.AreEqual("stop", response.FinishReason);
                    Assert.IsFalse(string.IsNullOrWhiteSpace(response.Content));
                    continue;
                }

                calls++;
                Assert.AreEqual("tool_calls", response.FinishReason);
                Assert.IsNull(response.Content);
                Assert.HasCount(1, response.ToolCalls);
                AssertValidCall(response.ToolCalls[0], tools);
                names.Add(response.ToolCalls[0].Name);
            }
        }

        // 70 % calls at the first customer message.
        Assert.IsTrue(calls is > 480 and < 640, $"calls: {calls}");
        Assert.IsGreaterThan(150, replies);
        Assert.IsGreaterThanOrEqualTo(8, names.Count, string.Join(", ", names));
    }

    [TestMethod]
    public void The_agent_prefers_read_tools_early()
    {
        int reads = 0, calls = 0;
        for (var seed = 0; seed < 400; seed++)
        {
            foreach (var call in BuiltInSim.Answer(Agent(seed, MockTools, ChatMessage.User("Please help me with task_1."))).ToolCalls)
            {
                calls++;
                reads += call.Name == "get_users" ? 1 : 0;
            }
        }

        // One read tool of four: weight 4 against 1 + 1 + 0.05 early, so about two calls in three.
        Assert.IsGreaterThan(0.55, reads / (double)calls);
    }

    [TestMethod]
    public void The_agent_takes_ids_from_earlier_tool_results_and_from_the_customer()
    {
        ToolDefinition[] tools = [.. MockTools.Where(t => t.Name is "update_task_status" or "create_task")];
        int taskCalls = 0, fromResult = 0, userCalls = 0, fromCustomer = 0;
        for (var seed = 0; seed < 600; seed++)
        {
            var request = Agent(seed, tools,
                ChatMessage.User("Hello, my user id is user_7 and I want to finish something."),
                Call("call_a", "create_task", """{"user_id":"someone","title":"Buy milk"}"""),
                Result("call_a", """{"task_id": "task_42", "title": "Buy milk", "description": null, "status": "pending"}"""));
            foreach (var call in BuiltInSim.Answer(request).ToolCalls)
            {
                AssertValidCall(call, tools);
                using var args = JsonDocument.Parse(call.ArgumentsJson);
                if (call.Name == "update_task_status")
                {
                    taskCalls++;
                    fromResult += args.RootElement.GetProperty("task_id").GetString() == "task_42" ? 1 : 0;
                }
                else
                {
                    userCalls++;
                    // The customer's id beats the (made-up) one of the earlier call: results, then the customer, then earlier calls.
                    fromCustomer += args.RootElement.GetProperty("user_id").GetString() == "user_7" ? 1 : 0;
                }
            }
        }

        Assert.IsGreaterThan(40, taskCalls);
        Assert.IsGreaterThan(40, userCalls);
        Assert.IsGreaterThan(0.85, fromResult / (double)taskCalls, $"{fromResult}/{taskCalls}");
        Assert.IsGreaterThan(0.8, fromCustomer / (double)userCalls, $"{fromCustomer}/{userCalls}");

        // No tool result, no earlier call: the id comes from the customer's words, the stem-matching one first.
        var picked = 0;
        for (var seed = 0; seed < 200; seed++)
        {
            var response = BuiltInSim.Answer(Agent(seed, [.. tools.Where(t => t.Name == "create_task")], ChatMessage.User("Order #W1234567 belongs to user_3.")));
            if (response.ToolCalls is [var call])
            {
                using var args = JsonDocument.Parse(call.ArgumentsJson);
                picked += args.RootElement.GetProperty("user_id").GetString() == "user_3" ? 1 : 0;
            }
        }

        Assert.IsGreaterThan(100, picked);
    }

    [TestMethod]
    public void The_agent_never_calls_tools_when_the_request_has_none()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            foreach (var tools in new[] { null, Array.Empty<ToolDefinition>() })
            {
                var response = BuiltInSim.Answer(Agent(seed, tools, ChatMessage.User("Complete task_1."), Call("c", "get_users", "{}"), Result("c", "[]")));
                Assert.IsEmpty(response.ToolCalls);
                Assert.AreEqual("stop", response.FinishReason);
                Assert.IsFalse(string.IsNullOrWhiteSpace(response.Content));
            }
        }
    }

    [TestMethod]
    public void The_agent_s_runs_of_calls_are_short_and_bounded_and_its_replies_quote_the_last_result()
    {
        var runs = new List<int>();
        var quoted = 0;
        for (var seed = 0; seed < 400; seed++)
        {
            var conversation = new List<ChatMessage> { ChatMessage.User("Please look at task_1 for user_1.") };
            var run = 0;
            while (true)
            {
                var response = BuiltInSim.Answer(Agent(seed, MockTools, [.. conversation]));
                if (response.ToolCalls is not [var call])
                {
                    Assert.IsFalse(string.IsNullOrWhiteSpace(response.Content));
                    if (run > 0)
                    {
                        quoted += response.Content!.Contains("task_1", StringComparison.Ordinal) || response.Content.Contains("pending", StringComparison.Ordinal)
                            || response.Content.Contains("Test task", StringComparison.Ordinal) ? 1 : 0;
                    }

                    break;
                }

                run++;
                Assert.IsLessThanOrEqualTo(Tau2AssistantResponder.MaxRun, run);
                conversation.Add(new ChatMessage("assistant", null) { ToolCalls = [call] });
                conversation.Add(Result(call.Id, """{"task_id": "task_1", "title": "Test task", "status": "pending"}"""));
            }

            runs.Add(run);
        }

        var calling = runs.Where(r => r > 0).ToList();
        Assert.IsGreaterThan(0.7, calling.Count(r => r <= 4) / (double)calling.Count, "typically 1-4 calls in a row");
        Assert.IsTrue(calling.Any(r => r >= 5), "a tail of longer runs");
        Assert.AreEqual(calling.Count, quoted, "every reply after a tool result quotes it");
    }

    [TestMethod]
    public void The_agent_s_calls_are_valid_for_the_mock_domain_tools_over_whole_simulated_conversations()
    {
        var domain = Tau2Domain.Load(MockDomain.Instance, Tau2Data.Folder("mock"));
        int succeeded = 0, writes = 0, stopped = 0;
        foreach (var task in domain.Tasks)
        {
            for (var seed = 0; seed < 20; seed++)
            {
                var env = domain.NewEnvironment();
                var agentView = new List<ChatMessage> { ChatMessage.System(Tau2Prompts.AgentSystem(domain.Policy)), ChatMessage.Assistant(Tau2Prompts.Greeting) };
                var userView = new List<ChatMessage> { ChatMessage.System(Tau2Prompts.UserSystem(task.UserInstructions, task.Persona, domain.UserTools is not null)), ChatMessage.User(Tau2Prompts.Greeting) };
                var userTools = domain.UserTools?.Definitions;
                var done = false;
                for (var step = 0; step < 200 && !done; step++)
                {
                    var said = BuiltInSim.Answer(new LlmRequest(task.Id, seed * 1000 + step, [.. userView]) { Tools = userTools, MaxTokens = 512 });
                    if (said.ToolCalls is [var own])
                    {
                        AssertValidCall(own, userTools!);
                        var outcome = env.Call("user", own.Name, own.ArgumentsJson);
                        AssertNoArgumentError(outcome.Content);
                        userView.Add(new ChatMessage("assistant", null) { ToolCalls = [own] });
                        userView.Add(Result(own.Id, outcome.Content));
                        continue;
                    }

                    userView.Add(ChatMessage.Assistant(said.Content!));
                    agentView.Add(ChatMessage.User(said.Content!));
                    if (Tau2Prompts.Termination(said.Content) is not null)
                    {
                        stopped++;
                        done = true;
                        break;
                    }

                    for (var calls = 0; ; calls++)
                    {
                        Assert.IsLessThanOrEqualTo(Tau2AssistantResponder.MaxRun, calls);
                        var answer = BuiltInSim.Answer(new LlmRequest(task.Id, seed * 1000 + step, [.. agentView]) { Tools = domain.AssistantTools.Definitions });
                        if (answer.ToolCalls is not [var call])
                        {
                            agentView.Add(ChatMessage.Assistant(answer.Content!));
                            userView.Add(ChatMessage.User(answer.Content!));
                            break;
                        }

                        AssertValidCall(call, domain.AssistantTools.Definitions);
                        var outcome = env.Call("assistant", call.Name, call.ArgumentsJson);
                        AssertNoArgumentError(outcome.Content);
                        succeeded += outcome.IsError ? 0 : 1;
                        writes += !outcome.IsError && call.Name is "create_task" or "update_task_status" ? 1 : 0;
                        agentView.Add(new ChatMessage("assistant", null) { ToolCalls = [call] });
                        agentView.Add(Result(call.Id, outcome.Content));
                    }
                }

                Assert.IsTrue(done, $"{task.Id} seed {seed}: the customer never ended the conversation");
            }
        }

        Assert.AreEqual(domain.Tasks.Count * 20, stopped);
        Assert.IsGreaterThan(200, succeeded);
        Assert.IsGreaterThan(50, writes, "write calls find real ids (user_1, task_1) in the conversation");
    }

    [TestMethod]
    public void The_calls_fit_every_built_in_domain_s_tool_kits()
    {
        foreach (var definition in Tau2Domains.All)
        {
            var domain = Tau2Domain.Load(definition, Tau2Data.Folder(definition.Name));
            var sides = new List<(string Requestor, IReadOnlyList<ToolDefinition> Tools)> { ("assistant", domain.AssistantTools.Definitions) };
            if (domain.UserTools is { } userTools)
            {
                sides.Add(("user", userTools.Definitions));
            }

            foreach (var (requestor, tools) in sides)
            {
                var names = new HashSet<string>();
                var env = domain.NewEnvironment();
                for (var seed = 0; seed < 300; seed++)
                {
                    var request = requestor == "assistant"
                        ? Agent(seed, tools, ChatMessage.User("I am user_1, my order is #W2378156 and reservation 4WQ150."))
                        : Customer(seed, Structured, tools, ChatMessage.Assistant("Hi, I need help."), ChatMessage.User("Sure, what is your user id?"));
                    foreach (var call in BuiltInSim.Answer(request).ToolCalls)
                    {
                        AssertValidCall(call, tools);
                        names.Add(call.Name);
                        var outcome = env.Call(requestor, call.Name, call.ArgumentsJson);
                        AssertNoArgumentError(outcome.Content);
                        // ToolArguments' wrong-type refusal: "argument 'x' must be ...".
                        Assert.IsFalse(outcome.Content.StartsWith("Error: argument '", StringComparison.Ordinal), $"{definition.Name} {call.Name} {call.ArgumentsJson}: {outcome.Content}");
                    }
                }

                Assert.IsGreaterThanOrEqualTo(Math.Min(tools.Count, 3), names.Count, $"{definition.Name} {requestor}: {string.Join(", ", names)}");
            }
        }
    }

    private static void AssertNoArgumentError(string content)
    {
        foreach (var bad in new[] { "positional argument", "unexpected keyword argument", "not valid JSON", "Tool '" })
        {
            Assert.DoesNotContain(bad, content);
        }
    }

    [TestMethod]
    public void The_customer_opens_with_the_reason_for_the_call_and_never_ends_on_the_first_turn()
    {
        var retail = JsonNode.Parse(File.ReadAllText(Path.Combine(Tau2Data.Folder("retail"), "tasks.json")))!.AsArray();
        var instructions = retail.Take(20).Select(t => Tau2TaskSpec.Parse(t!.AsObject()).UserInstructions).ToList();
        for (var seed = 0; seed < 200; seed++)
        {
            var structured = BuiltInSim.Answer(Customer(seed, Structured, MockUserTools)).Content!;
            StringAssert.Contains(structured, "You want to mark your task task_2 as completed.");
            Assert.DoesNotContain("###", structured);
            Assert.DoesNotContain("Known info", structured);

            var plain = BuiltInSim.Answer(Customer(seed, Plain, null)).Content!;
            StringAssert.Contains(plain, "You have completed the task and need to update its status.");
            Assert.DoesNotContain("Request that", plain);

            var text = instructions[seed % instructions.Count];
            var real = BuiltInSim.Answer(Customer(seed, text, null));
            Assert.IsEmpty(real.ToolCalls);
            var reason = text[(text.IndexOf("Reason for call:\n", StringComparison.Ordinal) + 17)..];
            StringAssert.Contains(real.Content, reason[..30]);
            Assert.DoesNotContain("Known info", real.Content!);
        }
    }

    [TestMethod]
    public void The_customer_stops_within_a_bounded_number_of_turns()
    {
        var turns = new List<int>();
        for (var seed = 0; seed < 500; seed++)
        {
            var conversation = new List<ChatMessage>();
            for (var turn = 1; ; turn++)
            {
                Assert.IsLessThanOrEqualTo(Tau2UserResponder.MaxTurns, turn);
                var content = BuiltInSim.Answer(Customer(seed, Structured, null, [.. conversation])).Content!;
                if (content.Contains(Tau2Prompts.Stop, StringComparison.Ordinal))
                {
                    Assert.IsGreaterThan(1, turn, "never on the first turn");
                    Assert.DoesNotContain(Tau2Prompts.Transfer, content);
                    turns.Add(turn);
                    break;
                }

                Assert.DoesNotContain("###", content);
                conversation.Add(ChatMessage.Assistant(content));
                conversation.Add(ChatMessage.User("Thanks, let me check that for you. Anything else I should know?"));
            }
        }

        var mean = turns.Average();
        Assert.IsTrue(mean is > 3 and < 5.5, $"mean {mean}");
        Assert.IsTrue(turns.Contains(2) && turns.Any(t => t >= 6), string.Join(",", turns.Distinct().Order()));
    }

    [TestMethod]
    public void The_customer_answers_with_known_info_and_transfers_only_when_the_agent_mentions_a_transfer()
    {
        int transfers = 0, known = 0;
        for (var seed = 0; seed < 400; seed++)
        {
            var transfer = BuiltInSim.Answer(Customer(seed, Structured, null,
                ChatMessage.Assistant("Hi, I need help with task_2."), ChatMessage.User("I am transferring you to a human agent now."))).Content!;
            transfers += transfer.Contains(Tau2Prompts.Transfer, StringComparison.Ordinal) ? 1 : 0;

            var reply = BuiltInSim.Answer(Customer(seed, Structured, null,
                ChatMessage.Assistant("Hi, I need help with task_2."), ChatMessage.User("Sure. Could you give me your user id?"))).Content!;
            Assert.DoesNotContain(Tau2Prompts.Transfer, reply);
            known += reply.Contains("Your user id is user_7.", StringComparison.Ordinal) ? 1 : 0;
        }

        Assert.IsTrue(transfers is > 150 and < 250, $"transfers: {transfers}");
        // Not stopped (85 %) x known info (80 %) x preferring the sentence with an id (60 %, else one of two).
        Assert.IsGreaterThan(150, known);
    }

    [TestMethod]
    public void The_customer_sometimes_calls_its_own_tools_with_valid_arguments()
    {
        int calls = 0, dismissed = 0, dismissedRight = 0;
        for (var seed = 0; seed < 1500; seed++)
        {
            var request = Customer(seed, Plain, MockUserTools,
                ChatMessage.Assistant("I got a notification."),
                Call("call_n", "check_notifications", "{}"),
                Result("call_n", """[{"notification_id": "notif_3", "message": "Task 'Test task' has been assigned to you.", "status": "unread", "task_id": "task_1"}]"""),
                ChatMessage.Assistant("I checked it."),
                ChatMessage.User("Okay, what else can I do for you?"));
            var response = BuiltInSim.Answer(request);
            Assert.IsEmpty(BuiltInSim.Answer(request with { Tools = null }).ToolCalls);
            if (response.ToolCalls is [var call])
            {
                calls++;
                Assert.AreEqual("tool_calls", response.FinishReason);
                AssertValidCall(call, MockUserTools);
                if (call.Name == "dismiss_notification")
                {
                    dismissed++;
                    using var args = JsonDocument.Parse(call.ArgumentsJson);
                    dismissedRight += args.RootElement.GetProperty("notification_id").GetString() == "notif_3" ? 1 : 0;
                }
            }
        }

        // Not stopped (70 %) x a call (25 %); dismiss_notification weighs 1 against check_notifications' 4.
        Assert.IsTrue(calls is > 180 and < 350, $"calls: {calls}");
        Assert.IsGreaterThan(25, dismissed);
        Assert.IsGreaterThan(0.85, dismissedRight / (double)dismissed, $"{dismissedRight}/{dismissed}");
    }

    [TestMethod]
    public void The_judge_returns_one_result_per_outcome_in_order_and_sometimes_malformed_json()
    {
        string[] outcomes =
        [
            "The agent marks task_1 as completed.",
            "The agent says \"done\" \\ confirms <politely> & café ✓.",
            "The agent does not create a new task.",
        ];
        int malformed = 0, met = 0, judged = 0;
        for (var seed = 0; seed < 1500; seed++)
        {
            var response = BuiltInSim.Answer(Judge(seed, outcomes));
            Assert.AreEqual("stop", response.FinishReason);
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(response.Content!);
            }
            catch (JsonException)
            {
                malformed++;
                continue;
            }

            using (doc)
            {
                var results = doc.RootElement.GetProperty("results");
                Assert.AreEqual(outcomes.Length, results.GetArrayLength());
                for (var i = 0; i < outcomes.Length; i++)
                {
                    Assert.AreEqual(outcomes[i], results[i].GetProperty("expectedOutcome").GetString());
                    Assert.IsFalse(string.IsNullOrWhiteSpace(results[i].GetProperty("reasoning").GetString()));
                    met += results[i].GetProperty("metExpectation").GetBoolean() ? 1 : 0;
                    judged++;
                }
            }
        }

        Assert.IsTrue(malformed is > 15 and < 80, $"malformed: {malformed}");
        Assert.IsTrue(met / (double)judged is > 0.65 and < 0.75, $"met {met}/{judged}");

        using var none = JsonDocument.Parse(BuiltInSim.Answer(Judge(7, [])).Content!);
        Assert.AreEqual(0, none.RootElement.GetProperty("results").GetArrayLength());
    }

    [TestMethod]
    public void Text_replies_respect_max_tokens()
    {
        for (var seed = 0; seed < 200; seed++)
        {
            LlmRequest[] requests =
            [
                Agent(seed, null, ChatMessage.User("Hi."), Call("c", "get_users", "{}"), Result("c", """{"user_id": "user_1"}""")) with { MaxTokens = 6 },
                Customer(seed, Structured, null) with { MaxTokens = 6 },
                Customer(seed, Structured, null, ChatMessage.Assistant("Hi."), ChatMessage.User("What is your id?")) with { MaxTokens = 6 },
                Judge(seed, ["The agent marks task_1 as completed."]) with { MaxTokens = 6 },
            ];
            foreach (var request in requests)
            {
                var response = BuiltInSim.Answer(request);
                var content = response.Content!;
                // The customer's end markers are kept whole even past the budget ("roughly").
                Assert.IsLessThanOrEqualTo(24, content.Length, content);
                Assert.IsTrue(response.FinishReason is "stop" or "length");
            }
        }
    }

    [TestMethod]
    public void Tools_survive_the_openai_wire()
    {
        var request = Agent(3, RichTools, ChatMessage.User("Hi"), Call("call_1", "get_order_details", """{"order_id":"#W1"}"""), Result("call_1", """{"status": "delivered"}"""));
        using var doc = JsonDocument.Parse(OpenAiWire.WriteRequest(request, "m"));
        var read = OpenAiWire.ReadRequest(doc.RootElement, request.TaskId, out _);
        Assert.IsNotNull(read.Tools);
        CollectionAssert.AreEqual(
            RichTools.Select(t => (t.Name, OpenAiWire.ParametersSchemaOf(t))).ToList(),
            read.Tools.Select(t => (t.Name, t.ParametersJsonSchema)).ToList());
        AssertSame(BuiltInSim.Answer(request), BuiltInSim.Answer(read));
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task Tool_calls_come_back_through_the_sim_server()
    {
        var ct = TestContext.CancellationToken;
        await using var server = await SimServer.StartAsync(new SimServerOptions { Responders = BuiltInSim.Responders, Fleet = new SimFleetOptions { ZeroLatency = true } }, ct);
        using var client = new OpenAiHttpClient(new HttpLlmOptions([server.BaseUrl], "sim"), new LlmCounters());
        var withCalls = 0;
        for (var seed = 0; seed < 20; seed++)
        {
            foreach (var request in new[]
            {
                Agent(seed, RichTools, ChatMessage.User("My order is #W2378156.")),
                Customer(seed, Plain, MockUserTools, ChatMessage.Assistant("Hello."), ChatMessage.User("How can I help?")),
                Judge(seed, ["The agent helps."]),
            })
            {
                var expected = BuiltInSim.Answer(request);
                var actual = await client.CompleteAsync(request, ct);
                AssertSame(expected, actual);
                withCalls += actual.ToolCalls.Count > 0 ? 1 : 0;
            }
        }

        Assert.IsGreaterThan(5, withCalls);
    }
}
