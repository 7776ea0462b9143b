using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Matrix.Engine.Llm.Sim;

/// <summary>
/// What the simulated LLM answers when a request asks for a JSON schema (<see cref="LlmRequest.ResponseFormat"/>) and
/// no scenario responder recognized it: a JSON value that follows the schema, as a structured-output server's would.
/// Objects get every property; strings a few words (or one of an <c>enum</c>); integers and numbers a value within
/// <c>minimum</c>/<c>maximum</c> (1 to 10 when none is given); arrays one to three items. A schema it cannot read
/// gets an empty object.
/// </summary>
internal sealed class SchemaResponder : ISimResponder
{
    private static readonly string[] Words =
    [
        "clear", "answer", "river", "light", "because", "the", "model", "says", "simple", "reason", "green", "stone",
        "time", "quickly", "every", "value", "small", "first", "city", "water",
    ];

    public bool Matches(LlmRequest r) => r.ResponseFormat is not null;

    public SimAnswer Answer(LlmRequest r, ref SimRandom rng)
    {
        JsonNode? schema;
        try
        {
            schema = JsonNode.Parse(r.ResponseFormat!.JsonSchema);
        }
        catch (JsonException)
        {
            schema = null;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            Write(w, schema, ref rng, depth: 0);
        }

        return SimAnswer.Text(Encoding.UTF8.GetString(buffer.WrittenSpan), SimAnswer.Stop);
    }

    private static void Write(Utf8JsonWriter w, JsonNode? schema, ref SimRandom rng, int depth)
    {
        var s = schema as JsonObject;
        if (s?["enum"] is JsonArray choices && choices.Count > 0)
        {
            var choice = choices[rng.Next(choices.Count)];
            if (choice is null)
            {
                w.WriteNullValue();
            }
            else
            {
                choice.WriteTo(w);
            }

            return;
        }

        switch (TypeOf(s))
        {
            case "object" when depth < 8:
                w.WriteStartObject();
                if (s?["properties"] is JsonObject properties)
                {
                    foreach (var (name, property) in properties)
                    {
                        w.WritePropertyName(name);
                        Write(w, property, ref rng, depth + 1);
                    }
                }

                w.WriteEndObject();
                break;
            case "array" when depth < 8:
                w.WriteStartArray();
                for (int i = 0, n = 1 + rng.Next(3); i < n; i++)
                {
                    Write(w, s?["items"], ref rng, depth + 1);
                }

                w.WriteEndArray();
                break;
            case "integer":
                var (low, high) = Range(s);
                w.WriteNumberValue((long)Math.Floor(low + (rng.NextDouble() * (high - low + 1))));
                break;
            case "number":
                var (min, max) = Range(s);
                w.WriteNumberValue(Math.Round(min + (rng.NextDouble() * (max - min)), 2));
                break;
            case "boolean":
                w.WriteBooleanValue(rng.Chance(0.5));
                break;
            case "null":
                w.WriteNullValue();
                break;
            case "string":
                var sb = new StringBuilder();
                for (int i = 0, n = 2 + rng.Next(5); i < n; i++)
                {
                    sb.Append(i == 0 ? string.Empty : " ").Append(rng.Pick(Words));
                }

                w.WriteStringValue(sb.ToString());
                break;
            default:
                w.WriteStartObject();
                w.WriteEndObject();
                break;
        }
    }

    /// <summary>The schema's type; the first of a list of types; "object" when it has properties but no type.</summary>
    private static string? TypeOf(JsonObject? s) => s?["type"] switch
    {
        JsonValue v when v.TryGetValue<string>(out var t) => t,
        JsonArray { Count: > 0 } a when a[0] is JsonValue v && v.TryGetValue<string>(out var t) => t,
        _ => s?["properties"] is not null ? "object" : null,
    };

    private static (double Low, double High) Range(JsonObject? s)
    {
        var low = s?["minimum"] is JsonValue lo && lo.TryGetValue<double>(out var l) ? l : 1;
        var high = s?["maximum"] is JsonValue hi && hi.TryGetValue<double>(out var h) ? h : Math.Max(low, 10);
        return (low, Math.Max(low, high));
    }

}
