using System.Text.Json;
using System.Text.Json.Nodes;

namespace Matrix.Scenarios.Tau2.Json;

/// <summary>Typed reads of JSON nodes as <c>json.loads</c> would hand them to Python (a JSON null and a missing node alike are <c>None</c>).</summary>
internal static class JsonValues
{
    public static bool IsNull(JsonNode? node) => node is null || (node is JsonValue v && v.GetValueKind() == JsonValueKind.Null);

    /// <summary>A JSON number node as a double (ints and floats alike), or null when it is not a number.</summary>
    public static double? Number(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return null;
        }

        // A node built in C# holds the CLR value it was made from; a parsed one holds a JsonElement.
        if (v.TryGetValue<double>(out var d))
        {
            return d;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (v.TryGetValue<int>(out var i))
        {
            return i;
        }

        return v.TryGetValue<JsonElement>(out var e) ? e.GetDouble() : null;
    }

    /// <summary>A JSON number node holding an integral value as a long, or null.</summary>
    public static long? Integer(JsonNode? node)
    {
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            if (v.TryGetValue<long>(out var l))
            {
                return l;
            }

            if (v.TryGetValue<int>(out var i))
            {
                return i;
            }
        }

        return Number(node) is { } d && d == Math.Floor(d) && Math.Abs(d) < 9.2e18 ? (long)d : null;
    }

    /// <summary>
    /// Python's <c>==</c> on two JSON values: dicts by keys regardless of order, numbers by value
    /// (<c>1 == 1.0</c>), strings, booleans and null exactly. Used to compare tool-call arguments with gold actions.
    /// </summary>
    public static bool ValueEquals(JsonNode? a, JsonNode? b)
    {
        if (a is null || b is null)
        {
            return IsNull(a) && IsNull(b);
        }

        switch (a)
        {
            case JsonObject oa when b is JsonObject ob:
                if (oa.Count != ob.Count)
                {
                    return false;
                }

                foreach (var (key, value) in oa)
                {
                    if (!ob.TryGetPropertyValue(key, out var other) || !ValueEquals(value, other))
                    {
                        return false;
                    }
                }

                return true;
            case JsonArray aa when b is JsonArray ab:
                if (aa.Count != ab.Count)
                {
                    return false;
                }

                for (var i = 0; i < aa.Count; i++)
                {
                    if (!ValueEquals(aa[i], ab[i]))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValue va when b is JsonValue vb:
                var ka = va.GetValueKind();
                var kb = vb.GetValueKind();
                if (ka == JsonValueKind.Number && kb == JsonValueKind.Number)
                {
                    return va.GetValue<double>() == vb.GetValue<double>();
                }

                // Python: True == 1, but JSON arguments never mix them in tau2's data; keep kinds strict otherwise.
                if (ka != kb)
                {
                    return false;
                }

                return ka switch
                {
                    JsonValueKind.String => va.GetValue<string>() == vb.GetValue<string>(),
                    _ => true,
                };
            default:
                return false;
        }
    }
}
