using System.Buffers;
using System.Text;
using System.Text.Json;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Http;
using Matrix.Tests.Support;

namespace Matrix.Tests.Llm;

/// <summary>The wire's reasoning, model, finish_reason, response_format and extra_body, in the words real servers use.</summary>
[TestClass]
public sealed class OpenAiWireFieldsTests
{
    [TestMethod]
    public void Reads_a_vllm_reasoning_parser_answer()
    {
        // vLLM with --reasoning-parser (Qwen3, DeepSeek-R1): the trace in reasoning_content, cut at max_tokens.
        const string body = """
            {"id":"chatcmpl-9f","object":"chat.completion","created":1718000000,"model":"Qwen/Qwen3-8B",
             "choices":[{"index":0,"message":{"role":"assistant","reasoning_content":"Let me add 6 and 7.","content":"13","tool_calls":[]},
               "logprobs":null,"finish_reason":"length","stop_reason":null}],
             "usage":{"prompt_tokens":21,"total_tokens":70,"completion_tokens":49,"prompt_tokens_details":null},"prompt_logprobs":null}
            """;

        var r = Read(body);

        Assert.AreEqual("13", r.Content);
        Assert.AreEqual("Let me add 6 and 7.", r.Reasoning);
        Assert.AreEqual("Qwen/Qwen3-8B", r.Model);
        Assert.AreEqual("length", r.FinishReason);
        Assert.AreEqual((21, 49), (r.PromptTokens, r.CompletionTokens));
    }

    [TestMethod]
    public void Reads_reasoning_as_newer_vllm_ollama_and_openrouter_send_it()
    {
        const string body = """
            {"id":"gen-1","model":"openai/gpt-oss-20b","object":"chat.completion",
             "choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Paris.","reasoning":"The capital of France is Paris."}}],
             "usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}}
            """;

        var r = Read(body);

        Assert.AreEqual("The capital of France is Paris.", r.Reasoning);
        Assert.AreEqual("openai/gpt-oss-20b", r.Model);
        Assert.AreEqual("stop", r.FinishReason);
    }

    [TestMethod]
    public void Prefers_reasoning_content_when_both_fields_are_sent()
    {
        const string body = """
            {"model":"m","choices":[{"finish_reason":"stop","message":{"role":"assistant","content":"x","reasoning":"short","reasoning_content":"the full trace"}}]}
            """;

        Assert.AreEqual("the full trace", Read(body).Reasoning);
    }

    [TestMethod]
    public void Reads_an_sglang_tool_call_answer()
    {
        // SGLang: reasoning_content null without --reasoning-parser, matched_stop, tool calls with index.
        const string body = """
            {"id":"5c2b","object":"chat.completion","created":1718000001,"model":"meta-llama/Llama-3.1-8B-Instruct",
             "choices":[{"index":0,"message":{"role":"assistant","content":null,"reasoning_content":null,
               "tool_calls":[{"id":"call_0","index":0,"type":"function","function":{"name":"find_order","arguments":"{\"id\": \"W1\"}"}}]},
               "logprobs":null,"finish_reason":"tool_calls","matched_stop":null}],
             "usage":{"prompt_tokens":300,"total_tokens":320,"completion_tokens":20,"prompt_tokens_details":null}}
            """;

        var r = Read(body);

        Assert.IsNull(r.Reasoning);
        Assert.IsNull(r.Content);
        Assert.AreEqual("tool_calls", r.FinishReason);
        Assert.AreEqual("meta-llama/Llama-3.1-8B-Instruct", r.Model);
        Assert.AreEqual("find_order", r.ToolCalls[0].Name);
    }

    [TestMethod]
    public void Reads_a_llama_cpp_server_answer()
    {
        // llama-server with --reasoning-format deepseek: reasoning_content, the alias as model, timings.
        const string body = """
            {"choices":[{"finish_reason":"stop","index":0,"message":{"role":"assistant","reasoning_content":"Think: 2+2.","content":"4"}}],
             "created":1718000002,"model":"qwen3-0.6b-q8_0.gguf","system_fingerprint":"b5000-abc","object":"chat.completion",
             "usage":{"completion_tokens":12,"prompt_tokens":30,"total_tokens":42},"id":"chatcmpl-x",
             "timings":{"prompt_n":30,"prompt_ms":10.5,"predicted_n":12,"predicted_ms":40.1}}
            """;

        var r = Read(body);

        Assert.AreEqual("4", r.Content);
        Assert.AreEqual("Think: 2+2.", r.Reasoning);
        Assert.AreEqual("qwen3-0.6b-q8_0.gguf", r.Model);
        Assert.AreEqual("stop", r.FinishReason);
    }

    [TestMethod]
    public void A_server_that_names_no_finish_reason_nor_model_records_null()
    {
        var r = Read("""{"choices":[{"message":{"role":"assistant","content":"hi","reasoning_content":""}}]}""");

        Assert.IsNull(r.FinishReason, "no made-up word for what the server did not say");
        Assert.IsNull(r.Model);
        Assert.IsNull(r.Reasoning, "an empty trace is no trace");
    }

    [TestMethod]
    public void Reasoning_that_is_not_text_does_not_make_the_answer_malformed()
    {
        var r = Read("""{"model":7,"choices":[{"finish_reason":"stop","message":{"role":"assistant","content":"hi","reasoning":{"effort":"low"}}}]}""");

        Assert.AreEqual("hi", r.Content);
        Assert.IsNull(r.Reasoning);
        Assert.IsNull(r.Model);
    }

    [TestMethod]
    public void The_sim_server_writes_reasoning_content_and_the_model()
    {
        var response = new LlmResponse("42", LlmResponse.NoToolCalls, "length", 10, 5) { Reasoning = "6 x 7", Model = "sim" };
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            OpenAiWire.WriteResponse(w, response, "chatcmpl-1", "served", 1_700_000_000);
        }

        var back = OpenAiWire.ReadResponse(buffer.WrittenMemory);

        Assert.AreEqual("6 x 7", back.Reasoning);
        Assert.AreEqual("served", back.Model);
        Assert.AreEqual("length", back.FinishReason);
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        Assert.AreEqual("6 x 7", doc.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("reasoning_content").GetString());
    }

    [TestMethod]
    public void Writes_response_format_as_a_strict_json_schema_and_reads_it_back()
    {
        const string schema = """{"type":"object","properties":{"score":{"type":"integer","minimum":0}},"required":["score"]}""";
        var request = LlmRequests.Discussion(1) with { ResponseFormat = new ResponseFormat("score", schema) };

        var bytes = OpenAiWire.WriteRequest(request, "m");

        using var doc = JsonDocument.Parse(bytes);
        var format = doc.RootElement.GetProperty("response_format");
        Assert.AreEqual("json_schema", format.GetProperty("type").GetString());
        var jsonSchema = format.GetProperty("json_schema");
        Assert.AreEqual("score", jsonSchema.GetProperty("name").GetString());
        Assert.IsTrue(jsonSchema.GetProperty("strict").GetBoolean());
        Assert.AreEqual(schema, jsonSchema.GetProperty("schema").GetRawText(), "the schema goes on the wire as written");
        var back = OpenAiWire.ReadRequest(doc.RootElement, "t", out _);
        Assert.AreEqual(new ResponseFormat("score", schema), back.ResponseFormat);
    }

    [TestMethod]
    public void Reads_json_object_and_text_response_formats_as_no_schema_and_rejects_others()
    {
        Assert.IsNull(ReadRequest("""{"type":"json_object"}""").ResponseFormat);
        Assert.IsNull(ReadRequest("""{"type":"text"}""").ResponseFormat);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => ReadRequest("""{"type":"yaml"}"""));
        Assert.Contains("response_format.type", ex.Message);
        Assert.ThrowsExactly<InvalidDataException>(() => ReadRequest("""{"type":"json_schema"}"""));
    }

    [TestMethod]
    public void An_invalid_response_format_schema_fails_the_call_with_its_name()
    {
        var request = LlmRequests.Discussion(1) with { ResponseFormat = new ResponseFormat("judge", "{not json") };

        var ex = Assert.ThrowsExactly<LlmException>(() => OpenAiWire.WriteRequest(request, "m"));
        Assert.Contains("'judge'", ex.Message);
    }

    [TestMethod]
    public void Extra_body_members_are_merged_at_the_top_level_and_replace_standard_fields()
    {
        var extra = ExtraBody.Parse("""{"top_k":20,"temperature":0.6,"chat_template_kwargs":{"enable_thinking":false},"guided_json":{"type":"object"}}""");
        var request = LlmRequests.Discussion(1) with { Temperature = 1.5, ExtraBody = extra };

        var bytes = OpenAiWire.WriteRequest(request, "m");

        using var doc = JsonDocument.Parse(bytes);
        var names = doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.AreEqual(names.Count, names.Distinct().Count(), "no key twice: " + string.Join(",", names));
        Assert.AreEqual(0.6, doc.RootElement.GetProperty("temperature").GetDouble());
        Assert.AreEqual(20, doc.RootElement.GetProperty("top_k").GetInt32());
        Assert.IsFalse(doc.RootElement.GetProperty("chat_template_kwargs").GetProperty("enable_thinking").GetBoolean());
        Assert.AreEqual("object", doc.RootElement.GetProperty("guided_json").GetProperty("type").GetString());
        Assert.AreEqual(1, doc.RootElement.GetProperty("seed").GetInt64(), "fields extra_body does not name stay");

        // The sim-server ignores what it does not know and honours the replaced field.
        var back = OpenAiWire.ReadRequest(doc.RootElement, "t", out _);
        Assert.AreEqual(0.6, back.Temperature);
    }

    [TestMethod]
    public void Invalid_extra_body_is_refused_with_a_clear_error()
    {
        var notJson = Assert.ThrowsExactly<FormatException>(() => ExtraBody.Parse("{\"top_k\": 20,"));
        Assert.StartsWith("extra_body is not valid JSON", notJson.Message);

        var notObject = Assert.ThrowsExactly<FormatException>(() => ExtraBody.Parse("[1,2]"));
        Assert.AreEqual("extra_body must be a JSON object, not array", notObject.Message);

        var twice = Assert.ThrowsExactly<FormatException>(() => ExtraBody.Parse("""{"top_k":1,"top_k":2}"""));
        Assert.Contains("'top_k' twice", twice.Message);
    }

    [TestMethod]
    public void The_simulated_llm_answers_the_same_with_a_response_format_and_extra_body_and_names_its_model()
    {
        var plain = LlmRequests.Discussion(5);
        var shaped = plain with
        {
            ResponseFormat = new ResponseFormat("x", """{"type":"object"}"""),
            ExtraBody = ExtraBody.Parse("""{"top_k":5}"""),
            Agent = "teacher",
        };

        var a = BuiltInSim.Answer(plain);
        var b = BuiltInSim.Answer(shaped);

        Assert.AreEqual(a.Content, b.Content);
        Assert.AreEqual((a.PromptTokens, a.CompletionTokens, a.FinishReason), (b.PromptTokens, b.CompletionTokens, b.FinishReason));
        Assert.AreEqual("sim", a.Model);
        Assert.AreEqual("llama", BuiltInSim.Answer(plain with { Model = "llama" }).Model);
        Assert.AreEqual("length", BuiltInSim.Answer(LlmRequests.Discussion(5, maxTokens: 3)).FinishReason);
    }

    private static LlmResponse Read(string body) => OpenAiWire.ReadResponse(Encoding.UTF8.GetBytes(body));

    private static LlmRequest ReadRequest(string responseFormat)
    {
        using var doc = JsonDocument.Parse($$"""{"messages":[{"role":"user","content":"hi"}],"response_format":{{responseFormat}}}""");
        return OpenAiWire.ReadRequest(doc.RootElement, "t", out _);
    }
}
