using System.Buffers;
using System.Text;
using System.Text.Json;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Http;

namespace Matrix.Tests.Llm;

[TestClass]
public sealed class OpenAiWireTests
{
    [TestMethod]
    public void A_request_survives_the_wire()
    {
        var request = LlmRequests.ToolUse(77, "tau2-retail-3#0") with { Model = "llama", TopP = 0.9, Temperature = 0.25 };

        var bytes = OpenAiWire.WriteRequest(request, "default");
        using var doc = JsonDocument.Parse(bytes);
        var back = OpenAiWire.ReadRequest(doc.RootElement, request.TaskId, out var model);

        Assert.AreEqual("llama", model);
        Assert.AreEqual(request.Seed, back.Seed);
        Assert.AreEqual(request.MaxTokens, back.MaxTokens);
        Assert.AreEqual(request.Temperature, back.Temperature);
        Assert.AreEqual(request.TopP, back.TopP);
        CollectionAssert.AreEqual(request.Stop!.ToList(), back.Stop!.ToList());
        Assert.HasCount(request.Messages.Count, back.Messages);
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var (a, b) = (request.Messages[i], back.Messages[i]);
            Assert.AreEqual(a.Role, b.Role);
            Assert.AreEqual(a.Content, b.Content);
            Assert.AreEqual(a.ToolCallId, b.ToolCallId);
            CollectionAssert.AreEqual(a.ToolCalls?.ToList(), b.ToolCalls?.ToList());
        }

        Assert.AreEqual(request.Tools![0], back.Tools![0]);
        Assert.AreEqual(OpenAiWire.EmptyParametersSchema, back.Tools[1].ParametersJsonSchema);

        // The OpenAI shape of tool calls and tools.
        var root = doc.RootElement;
        var call = root.GetProperty("messages")[2].GetProperty("tool_calls")[0];
        Assert.AreEqual("function", call.GetProperty("type").GetString());
        Assert.AreEqual("find_order", call.GetProperty("function").GetProperty("name").GetString());
        Assert.AreEqual(JsonValueKind.Null, root.GetProperty("messages")[2].GetProperty("content").ValueKind);
        Assert.AreEqual("object", root.GetProperty("tools")[0].GetProperty("function").GetProperty("parameters").GetProperty("type").GetString());
        Assert.AreEqual(77, root.GetProperty("seed").GetInt64());
    }

    [TestMethod]
    public void A_response_survives_the_wire()
    {
        var response = new LlmResponse(null, [new ToolCall("c1", "lookup", "{\"q\":\"x\"}")], "tool_calls", 120, 17);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            OpenAiWire.WriteResponse(w, response, "chatcmpl-1", "sim", 1_700_000_000);
        }

        var back = OpenAiWire.ReadResponse(buffer.WrittenMemory);

        Assert.IsNull(back.Content);
        Assert.AreEqual(response.FinishReason, back.FinishReason);
        Assert.AreEqual(response.PromptTokens, back.PromptTokens);
        Assert.AreEqual(response.CompletionTokens, back.CompletionTokens);
        CollectionAssert.AreEqual(response.ToolCalls.ToList(), back.ToolCalls.ToList());
    }

    [TestMethod]
    public void Responses_of_other_servers_are_read_leniently()
    {
        // No usage, arguments as an object, extra fields.
        const string body = """{"choices":[{"message":{"role":"assistant","content":"hi","reasoning_content":"...","tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":{"x":1}}}]},"finish_reason":"stop"}]}""";
        var back = OpenAiWire.ReadResponse(Encoding.UTF8.GetBytes(body));
        Assert.AreEqual("hi", back.Content);
        Assert.AreEqual(0, back.PromptTokens);
        Assert.AreEqual("{\"x\":1}", back.ToolCalls[0].ArgumentsJson);
    }

    [TestMethod]
    public void Malformed_bodies_name_the_problem()
    {
        foreach (var body in new[] { "", "[]", "{}", "{\"choices\":[]}", "{\"choices\":[{}]}", "<html>Bad gateway</html>" })
        {
            Assert.ThrowsExactly<InvalidDataException>(() => OpenAiWire.ReadResponse(Encoding.UTF8.GetBytes(body)), body);
        }

        using var doc = JsonDocument.Parse("""{"messages":[{"role":"user","content":"x"}],"max_tokens":0}""");
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => OpenAiWire.ReadRequest(doc.RootElement, "t", out _));
        Assert.Contains("max_tokens", ex.Message);
    }

    [TestMethod]
    public void An_invalid_tool_schema_is_an_llm_error()
    {
        var request = new LlmRequest("t", 1, [ChatMessage.User("x")]) { Tools = [new ToolDefinition("f", "d", "{not json")] };
        var ex = Assert.ThrowsExactly<LlmException>(() => OpenAiWire.WriteRequest(request, "m"));
        Assert.Contains("'f'", ex.Message);
    }
}
