using System.Text.Json;

namespace Matrix.Engine.Llm;

/// <summary>Writes tool calls as the OpenAI <c>tool_calls</c> array (the <c>messages.tool_calls</c> column).</summary>
public static class ToolCallsJson
{
    public static string? Write(IReadOnlyList<ToolCall>? calls)
    {
        if (calls is null || calls.Count == 0)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteArray(w, calls);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads a <c>tool_calls</c> array that <see cref="Write"/> produced (or an OpenAI server sent); empty for null.</summary>
    public static IReadOnlyList<ToolCall> Read(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return LlmResponse.NoToolCalls;
        }

        using var doc = JsonDocument.Parse(json);
        var calls = new List<ToolCall>(doc.RootElement.GetArrayLength());
        foreach (var call in doc.RootElement.EnumerateArray())
        {
            var function = call.GetProperty("function");
            calls.Add(new ToolCall(
                call.TryGetProperty("id", out var id) ? id.GetString() ?? string.Empty : string.Empty,
                function.GetProperty("name").GetString() ?? string.Empty,
                function.TryGetProperty("arguments", out var args) ? args.GetString() ?? "{}" : "{}"));
        }

        return calls;
    }

    /// <summary>Writes the OpenAI <c>tool_calls</c> array as the current JSON value (the HTTP wire and the column share it).</summary>
    internal static void WriteArray(Utf8JsonWriter w, IReadOnlyList<ToolCall> calls)
    {
        w.WriteStartArray();
        foreach (var call in calls)
        {
            w.WriteStartObject();
            w.WriteString("id", call.Id);
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", call.Name);
            w.WriteString("arguments", call.ArgumentsJson);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
