using Matrix.Engine.Llm;

namespace Matrix.Tests.Llm;

/// <summary>Requests shaped like the scenarios' prompts.</summary>
internal static class LlmRequests
{
    public const string DiscussionSystem =
        "You are a careful student discussing a multiple-choice question with a partner. Think step by step and end your reply with: The correct answer is (X)";

    public const string Question =
        "I'm trying to solve this problem: \"Which number is the product of 6 and 7?\"\nAnd the choices are:\n(A) 42\n(B) 41\n(C) 36\n(D) 48\n(E) 7";

    public static LlmRequest Discussion(long seed, string? lastClaim = null, int maxTokens = 1024, string taskId = "task-0")
    {
        var messages = new List<ChatMessage>
        {
            ChatMessage.System(DiscussionSystem),
            ChatMessage.User(Question),
        };
        if (lastClaim is not null)
        {
            messages.Add(ChatMessage.Assistant("Let me think. The correct answer is (A)."));
            messages.Add(ChatMessage.User($"I looked at it again and I disagree. The correct answer is ({lastClaim})."));
        }

        return new LlmRequest(taskId, seed, messages) { MaxTokens = maxTokens, Temperature = 0.2, TopP = 0.9 };
    }

    public static LlmRequest Extractor(long seed, string response, string taskId = "task-0") =>
        new(taskId, seed,
        [
            ChatMessage.System("Extract the final answer from the response below. Reply with the letter in parentheses, like (A), or with: not sure yet"),
            ChatMessage.User($"Question: Which number is the product of 6 and 7?\n(A) 42\n(B) 41\nResponse: {response}"),
        ])
        { MaxTokens = 32, Temperature = 0 };

    public static LlmRequest ToolUse(long seed, string taskId = "task-0") =>
        new(taskId, seed,
        [
            ChatMessage.System("You are a retail assistant. Use the tools."),
            ChatMessage.User("Where is my order #W1234? My name is \"Ana\" — café ✓"),
            new ChatMessage("assistant", null) { ToolCalls = [new ToolCall("call_1", "find_order", "{\"order_id\":\"#W1234\"}")] },
            new ChatMessage("tool", "{\"status\":\"shipped\",\"eta\":\"2026-12-01\"}") { ToolCallId = "call_1" },
        ])
        {
            Tools =
            [
                new ToolDefinition("find_order", "Looks an order up by id.", "{ \"type\": \"object\", \"properties\": { \"order_id\": { \"type\": \"string\" } }, \"required\": [\"order_id\"] }"),
                new ToolDefinition("cancel_order", "Cancels an order.", string.Empty),
            ],
            Stop = ["###STOP###"],
            MaxTokens = 256,
        };

    /// <summary>A mix of every kind, <paramref name="count"/> requests with distinct seeds and task ids.</summary>
    public static List<LlmRequest> Mixed(int count)
    {
        var result = new List<LlmRequest>(count);
        for (var i = 0; i < count; i++)
        {
            var taskId = $"task-{i}";
            result.Add((i % 5) switch
            {
                0 => Discussion(i, taskId: taskId),
                1 => Discussion(i, lastClaim: "C", taskId: taskId),
                2 => Extractor(i, $"After some thought, the correct answer is ({(char)('A' + (i % 5))}).", taskId),
                3 => ToolUse(i, taskId),
                _ => new LlmRequest(taskId, i, [ChatMessage.User($"Tell me something about the number {i}.")]) { MaxTokens = 8 + i },
            });
        }

        return result;
    }
}
