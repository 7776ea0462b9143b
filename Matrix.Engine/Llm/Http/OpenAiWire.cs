using System.Buffers;
using System.Text.Json;

namespace Matrix.Engine.Llm.Http;

/// <summary>
/// The OpenAI <c>/v1/chat/completions</c> wire format, both directions: the client writes requests and reads
/// responses, the sim-server reads requests and writes responses. Utf8JsonWriter and JsonDocument only, no
/// reflection. Reading throws <see cref="InvalidDataException"/> with a message that names the bad field.
/// </summary>
public static class OpenAiWire
{
    /// <summary>Header that carries the task id so an LLM-side router (or the sim-server) can keep a conversation on one replica.</summary>
    public const string TaskIdHeader = "X-Matrix-Task-Id";

    /// <summary>The parameters schema sent for a tool that has none.</summary>
    public const string EmptyParametersSchema = "{\"type\":\"object\",\"properties\":{}}";

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = false };

    internal static byte[] WriteRequest(LlmRequest r, string defaultModel)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteRequest(w, r, defaultModel);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The schema text sent for <paramref name="tool"/>: its own, or <see cref="EmptyParametersSchema"/> when it has none.</summary>
    public static string ParametersSchemaOf(ToolDefinition tool) =>
        string.IsNullOrWhiteSpace(tool.ParametersJsonSchema) ? EmptyParametersSchema : tool.ParametersJsonSchema;

    internal static void WriteRequest(Utf8JsonWriter w, LlmRequest r, string defaultModel)
    {
        // A member of extra_body replaces the field of the same name: skip ours, so no key is written twice.
        var extra = r.ExtraBody;
        bool Own(string name) => extra is null || !extra.Contains(name);

        w.WriteStartObject();
        if (Own("model"))
        {
            w.WriteString("model", r.Model ?? defaultModel);
        }

        if (Own("messages"))
        {
            WriteMessages(w, r.Messages);
        }

        if (Own("temperature"))
        {
            w.WriteNumber("temperature", r.Temperature);
        }

        if (r.TopP is { } topP && Own("top_p"))
        {
            w.WriteNumber("top_p", topP);
        }

        if (Own("max_tokens"))
        {
            w.WriteNumber("max_tokens", r.MaxTokens);
        }

        if (Own("seed"))
        {
            w.WriteNumber("seed", r.Seed);
        }

        if (r.Stop is { Count: > 0 } stop && Own("stop"))
        {
            w.WriteStartArray("stop");
            foreach (var s in stop)
            {
                w.WriteStringValue(s);
            }

            w.WriteEndArray();
        }

        if (r.Tools is { Count: > 0 } tools && Own("tools"))
        {
            WriteTools(w, tools);
        }

        if (r.ResponseFormat is { } format && Own("response_format"))
        {
            WriteResponseFormat(w, format);
        }

        if (extra is not null)
        {
            foreach (var (name, value) in extra.Members)
            {
                w.WritePropertyName(name);
                w.WriteRawValue(value, skipInputValidation: true); // validated once, by ExtraBody.Parse
            }
        }

        w.WriteEndObject();
    }

    /// <summary>Reads a chat completion request; <paramref name="taskId"/> becomes the request's task id (it is not part of the body).</summary>
    public static LlmRequest ReadRequest(JsonElement root, string taskId, out string? model)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("the request body must be a JSON object");
        }

        model = OptionalString(root, "model");
        if (!root.TryGetProperty("messages", out var messagesElement) || messagesElement.ValueKind != JsonValueKind.Array || messagesElement.GetArrayLength() == 0)
        {
            throw new InvalidDataException("'messages' must be a non-empty array");
        }

        var messages = new ChatMessage[messagesElement.GetArrayLength()];
        var index = 0;
        foreach (var m in messagesElement.EnumerateArray())
        {
            messages[index] = ReadMessage(m, index);
            index++;
        }

        var request = new LlmRequest(taskId, OptionalLong(root, "seed") ?? 0, messages) { Model = model };
        if (OptionalDouble(root, "temperature") is { } temperature)
        {
            request = request with { Temperature = temperature };
        }

        var maxTokens = OptionalLong(root, "max_tokens") ?? OptionalLong(root, "max_completion_tokens");
        if (maxTokens is { } max)
        {
            if (max < 1 || max > int.MaxValue)
            {
                throw new InvalidDataException("'max_tokens' must be a positive integer");
            }

            request = request with { MaxTokens = (int)max };
        }

        return request with
        {
            TopP = OptionalDouble(root, "top_p"),
            Stop = ReadStop(root),
            Tools = ReadTools(root),
            ResponseFormat = ReadResponseFormat(root),
        };
    }

    public static void WriteResponse(Utf8JsonWriter w, LlmResponse response, string id, string model, long created)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("message");
        w.WriteString("role", "assistant");
        w.WriteString("content", response.Content);
        if (response.ToolCalls.Count > 0)
        {
            WriteToolCalls(w, response.ToolCalls);
        }

        if (response.Reasoning is { } reasoning)
        {
            w.WriteString("reasoning_content", reasoning);
        }

        w.WriteEndObject();
        w.WriteString("finish_reason", response.FinishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", response.PromptTokens);
        w.WriteNumber("completion_tokens", response.CompletionTokens);
        w.WriteNumber("total_tokens", (long)response.PromptTokens + response.CompletionTokens);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Reads <c>choices[0]</c> and <c>usage</c> of a chat completion response.</summary>
    internal static LlmResponse ReadResponse(ReadOnlyMemory<byte> body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"the body is not JSON ({ex.Message})", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("the body is not a JSON object");
            }

            if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
            {
                throw new InvalidDataException("no 'choices' in the response");
            }

            var choice = choices[0];
            if (choice.ValueKind != JsonValueKind.Object || !choice.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("no 'choices[0].message' in the response");
            }

            var content = OptionalString(message, "content");
            var toolCalls = ReadToolCalls(message, "choices[0].message") ?? LlmResponse.NoToolCalls;
            // reasoning_content: vLLM, SGLang, DeepSeek, Qwen3 and llama.cpp; reasoning: vLLM's newer field and gpt-oss
            // through OpenRouter or ollama. A server that sends both means the same text: take reasoning_content.
            var reasoning = TextOrNull(message, "reasoning_content") ?? TextOrNull(message, "reasoning");
            var finish = OptionalString(choice, "finish_reason", "choices[0]");
            var model = TextOrNull(root, "model");
            int prompt = 0, completion = 0;
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                prompt = (int)Math.Clamp(OptionalLong(usage, "prompt_tokens") ?? 0, 0, int.MaxValue);
                completion = (int)Math.Clamp(OptionalLong(usage, "completion_tokens") ?? 0, 0, int.MaxValue);
            }

            return new LlmResponse(content, toolCalls, finish, prompt, completion) { Reasoning = reasoning, Model = model };
        }
    }

    public static void WriteError(Utf8JsonWriter w, string message, string type, int? code)
    {
        w.WriteStartObject();
        w.WriteStartObject("error");
        w.WriteString("message", message);
        w.WriteString("type", type);
        w.WriteNull("param");
        if (code is { } c)
        {
            w.WriteNumber("code", c);
        }
        else
        {
            w.WriteNull("code");
        }

        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteMessages(Utf8JsonWriter w, IReadOnlyList<ChatMessage> messages)
    {
        w.WriteStartArray("messages");
        foreach (var m in messages)
        {
            w.WriteStartObject();
            w.WriteString("role", m.Role);
            w.WriteString("content", m.Content);
            if (m.ToolCalls is { Count: > 0 } calls)
            {
                WriteToolCalls(w, calls);
            }

            if (m.ToolCallId is { } callId)
            {
                w.WriteString("tool_call_id", callId);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteTools(Utf8JsonWriter w, IReadOnlyList<ToolDefinition> tools)
    {
        w.WriteStartArray("tools");
        foreach (var t in tools)
        {
            w.WriteStartObject();
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", t.Name);
            w.WriteString("description", t.Description);
            w.WritePropertyName("parameters");
            try
            {
                // Raw: the schema's own text goes on the wire, so a server sees exactly what the caller wrote.
                w.WriteRawValue(ParametersSchemaOf(t));
            }
            catch (JsonException ex)
            {
                throw new LlmException($"tool '{t.Name}' has an invalid parameters schema: {ex.Message}", ex);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteResponseFormat(Utf8JsonWriter w, ResponseFormat format)
    {
        w.WriteStartObject("response_format");
        w.WriteString("type", "json_schema");
        w.WriteStartObject("json_schema");
        w.WriteString("name", format.Name);
        w.WritePropertyName("schema");
        try
        {
            w.WriteRawValue(format.JsonSchema);
        }
        catch (JsonException ex)
        {
            throw new LlmException($"response format '{format.Name}' has an invalid JSON schema: {ex.Message}", ex);
        }

        w.WriteBoolean("strict", true);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>
    /// Reads <c>response_format</c>: a <c>json_schema</c> one becomes a <see cref="ResponseFormat"/>; <c>text</c> and
    /// <c>json_object</c> ask for no schema and read as null.
    /// </summary>
    private static ResponseFormat? ReadResponseFormat(JsonElement root)
    {
        if (!root.TryGetProperty("response_format", out var format) || format.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (format.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("'response_format' must be an object");
        }

        var type = OptionalString(format, "type", "response_format") ?? throw new InvalidDataException("'response_format.type' is missing");
        if (type != "json_schema")
        {
            return type is "text" or "json_object" ? null : throw new InvalidDataException($"'response_format.type' is '{type}', expected 'text', 'json_object' or 'json_schema'");
        }

        if (!format.TryGetProperty("json_schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("'response_format.json_schema' must be an object");
        }

        var name = OptionalString(schema, "name", "response_format.json_schema") ?? throw new InvalidDataException("'response_format.json_schema.name' is missing");
        var body = schema.TryGetProperty("schema", out var s) && s.ValueKind != JsonValueKind.Null ? s.GetRawText() : "{}";
        return new ResponseFormat(name, body);
    }

    private static void WriteToolCalls(Utf8JsonWriter w, IReadOnlyList<ToolCall> calls)
    {
        w.WritePropertyName("tool_calls");
        ToolCallsJson.WriteArray(w, calls);
    }

    private static ChatMessage ReadMessage(JsonElement m, int index)
    {
        var where = $"messages[{index}]";
        if (m.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"'{where}' must be an object");
        }

        var role = OptionalString(m, "role", where) ?? throw new InvalidDataException($"'{where}.role' is missing");
        string? content = null;
        if (m.TryGetProperty("content", out var c))
        {
            content = c.ValueKind switch
            {
                JsonValueKind.String => c.GetString(),
                JsonValueKind.Null => null,
                JsonValueKind.Array => JoinTextParts(c, where),
                _ => throw new InvalidDataException($"'{where}.content' must be a string, null or an array of parts"),
            };
        }

        return new ChatMessage(role, content)
        {
            ToolCalls = ReadToolCalls(m, where),
            ToolCallId = OptionalString(m, "tool_call_id", where),
        };
    }

    private static string JoinTextParts(JsonElement parts, string where)
    {
        var texts = new List<string>();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && OptionalString(part, "text", where + ".content") is { } text)
            {
                texts.Add(text);
            }
        }

        return string.Join('\n', texts);
    }

    private static List<ToolCall>? ReadToolCalls(JsonElement message, string where)
    {
        if (!message.TryGetProperty("tool_calls", out var calls) || calls.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (calls.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"'{where}.tool_calls' must be an array");
        }

        var result = new List<ToolCall>(calls.GetArrayLength());
        var i = 0;
        foreach (var call in calls.EnumerateArray())
        {
            var at = $"{where}.tool_calls[{i++}]";
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"'{at}.function' must be an object");
            }

            var name = OptionalString(function, "name", at) ?? throw new InvalidDataException($"'{at}.function.name' is missing");
            var arguments = function.TryGetProperty("arguments", out var a)
                ? a.ValueKind switch
                {
                    JsonValueKind.String => a.GetString()!,
                    JsonValueKind.Null => "{}",
                    _ => a.GetRawText(), // some servers send the arguments as an object
                }
                : "{}";
            result.Add(new ToolCall(OptionalString(call, "id", at) ?? string.Empty, name, arguments));
        }

        return result;
    }

    private static string[]? ReadStop(JsonElement root)
    {
        if (!root.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (stop.ValueKind == JsonValueKind.String)
        {
            return [stop.GetString()!];
        }

        if (stop.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException("'stop' must be a string or an array of strings");
        }

        var result = new string[stop.GetArrayLength()];
        var i = 0;
        foreach (var s in stop.EnumerateArray())
        {
            result[i++] = s.ValueKind == JsonValueKind.String ? s.GetString()! : throw new InvalidDataException("'stop' must be a string or an array of strings");
        }

        return result;
    }

    private static ToolDefinition[]? ReadTools(JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (tools.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException("'tools' must be an array");
        }

        var result = new ToolDefinition[tools.GetArrayLength()];
        var i = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            var at = $"tools[{i}]";
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"'{at}.function' must be an object");
            }

            var name = OptionalString(function, "name", at) ?? throw new InvalidDataException($"'{at}.function.name' is missing");
            var description = OptionalString(function, "description", at) ?? string.Empty;
            var parameters = function.TryGetProperty("parameters", out var p) && p.ValueKind != JsonValueKind.Null ? p.GetRawText() : string.Empty;
            result[i++] = new ToolDefinition(name, description, parameters);
        }

        return result;
    }

    private static string? OptionalString(JsonElement obj, string name, string? where = null)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.String
            ? v.GetString()
            : throw new InvalidDataException($"'{(where is null ? name : where + "." + name)}' must be a string");
    }

    /// <summary>
    /// A string member, or null when it is absent, empty or not a string: the fields only recorded for the output
    /// (reasoning, model) must not turn an otherwise good answer into a malformed one.
    /// </summary>
    private static string? TextOrNull(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } text ? text : null;

    private static long? OptionalLong(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            if (v.TryGetInt64(out var l))
            {
                return l;
            }

            // 1024.0 from clients that write every number as a float.
            if (v.TryGetDouble(out var d) && d == Math.Floor(d) && d >= long.MinValue && d <= long.MaxValue)
            {
                return (long)d;
            }
        }

        throw new InvalidDataException($"'{name}' must be an integer");
    }

    private static double? OptionalDouble(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw new InvalidDataException($"'{name}' must be a number");
    }
}
