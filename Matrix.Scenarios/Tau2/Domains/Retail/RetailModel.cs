using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Engine.Scenarios;
using Matrix.Scenarios.Tau2.Json;

namespace Matrix.Scenarios.Tau2.Domains.Retail;

/// <summary>
/// tau2-bench's retail pydantic models (<c>src/tau2/domains/retail/data_model.py</c>) as field lists: the order in
/// which <c>model_dump</c> writes fields, which are optional (dumped as null when absent), and which are floats
/// (dumped as Python floats even when a file wrote <c>50</c>). <see cref="Normalize"/> turns a loaded
/// <c>db.json</c> into exactly what <c>RetailDB.model_dump()</c> holds.
/// </summary>
internal static class RetailModel
{
    // Static fields initialize in textual order: every list is declared after the lists it nests.
    private static readonly Field[] Variant =
    [
        new("item_id", Kind.Str),
        new("options", Kind.StrMap),
        new("available", Kind.Bool),
        new("price", Kind.Float),
    ];

    private static readonly Field[] Product =
    [
        new("name", Kind.Str),
        new("product_id", Kind.Str),
        new("variants", Kind.ObjMap, Fields: Variant),
    ];

    private static readonly Field[] UserName =
    [
        new("first_name", Kind.Str),
        new("last_name", Kind.Str),
    ];

    /// <summary>UserAddress: note country before state (the tools pass them the other way round; the dump follows the model).</summary>
    private static readonly Field[] Address =
    [
        new("address1", Kind.Str),
        new("address2", Kind.Str),
        new("city", Kind.Str),
        new("country", Kind.Str),
        new("state", Kind.Str),
        new("zip", Kind.Str),
    ];

    // PaymentMethodBase declares source and id; subclasses that redeclare them keep the base's positions.
    private static readonly Field[] CreditCard =
    [
        new("source", Kind.Str),
        new("id", Kind.Str),
        new("brand", Kind.Str),
        new("last_four", Kind.Str),
    ];

    private static readonly Field[] GiftCard =
    [
        new("source", Kind.Str),
        new("id", Kind.Str),
        new("balance", Kind.Float),
    ];

    private static readonly Field[] Paypal =
    [
        new("source", Kind.Str),
        new("id", Kind.Str),
    ];

    private static readonly Field[] User =
    [
        new("user_id", Kind.Str),
        new("name", Kind.Obj, Fields: UserName),
        new("address", Kind.Obj, Fields: Address),
        new("email", Kind.Str),
        new("payment_methods", Kind.PaymentMap),
        new("orders", Kind.StrList),
    ];

    private static readonly Field[] Fulfillment =
    [
        new("tracking_id", Kind.StrList),
        new("item_ids", Kind.StrList),
    ];

    private static readonly Field[] OrderItem =
    [
        new("name", Kind.Str),
        new("product_id", Kind.Str),
        new("item_id", Kind.Str),
        new("price", Kind.Float),
        new("options", Kind.StrMap),
    ];

    private static readonly Field[] OrderPayment =
    [
        new("transaction_type", Kind.Str),
        new("amount", Kind.Float),
        new("payment_method_id", Kind.Str),
    ];

    private static readonly Field[] Order =
    [
        new("order_id", Kind.Str),
        new("user_id", Kind.Str),
        new("address", Kind.Obj, Fields: Address),
        new("items", Kind.ObjList, Fields: OrderItem),
        new("status", Kind.Str),
        new("fulfillments", Kind.ObjList, Fields: Fulfillment),
        new("payment_history", Kind.ObjList, Fields: OrderPayment),
        new("cancel_reason", Kind.Str, Optional: true),
        new("exchange_items", Kind.StrList, Optional: true),
        new("exchange_new_items", Kind.StrList, Optional: true),
        new("exchange_payment_method_id", Kind.Str, Optional: true),
        new("exchange_price_difference", Kind.Float, Optional: true),
        new("return_items", Kind.StrList, Optional: true),
        new("return_payment_method_id", Kind.Str, Optional: true),
    ];

    private static readonly Field[] Database =
    [
        new("products", Kind.ObjMap, Fields: Product),
        new("users", Kind.ObjMap, Fields: User),
        new("orders", Kind.ObjMap, Fields: Order),
    ];

    private enum Kind
    {
        Str,
        Bool,
        Float,
        StrList,
        StrMap,
        Obj,
        ObjList,
        ObjMap,
        PaymentMap,
    }

    /// <summary>
    /// <c>RetailDB.model_validate(db).model_dump()</c>: fields in model order, optional fields present (null),
    /// float fields as floats, unknown fields dropped (pydantic ignores extras). Throws <see cref="InputException"/>
    /// naming the path of a missing or mistyped field.
    /// </summary>
    public static JsonObject Normalize(JsonObject root, string file)
    {
        ArgumentNullException.ThrowIfNull(root);
        return NormalizeObject(root, Database, file);
    }

    /// <summary>A new <c>UserAddress</c> as the model dumps it (country before state).</summary>
    public static JsonObject NewAddress(string address1, string address2, string city, string state, string country, string zip) => new()
    {
        ["address1"] = address1,
        ["address2"] = address2,
        ["city"] = city,
        ["country"] = country,
        ["state"] = state,
        ["zip"] = zip,
    };

    /// <summary>A new <c>OrderPayment</c>; its amount is a float field.</summary>
    public static JsonObject NewPayment(string transactionType, double amount, string paymentMethodId) => new()
    {
        ["transaction_type"] = transactionType,
        ["amount"] = amount,
        ["payment_method_id"] = paymentMethodId,
    };

    private static JsonObject NormalizeObject(JsonNode? node, Field[] fields, string path)
    {
        if (node is not JsonObject source)
        {
            throw new InputException($"{path}: expected an object");
        }

        var result = new JsonObject();
        foreach (var field in fields)
        {
            var fieldPath = $"{path}.{field.Name}";
            if (!source.TryGetPropertyValue(field.Name, out var value) || JsonValues.IsNull(value))
            {
                result[field.Name] = field.Optional ? null : throw new InputException($"{fieldPath}: missing (required by tau2's retail model)");
                continue;
            }

            result[field.Name] = NormalizeValue(value!, field, fieldPath);
        }

        return result;
    }

    private static JsonNode NormalizeValue(JsonNode value, Field field, string path)
    {
        switch (field.Kind)
        {
            case Kind.Str:
                return JsonValue.Create(StringOf(value, path));
            case Kind.Bool:
                return value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False
                    ? JsonValue.Create(b.GetValue<bool>())
                    : throw new InputException($"{path}: expected true or false");
            case Kind.Float:
                return value is JsonValue n && n.GetValueKind() == JsonValueKind.Number
                    ? JsonValue.Create(n.GetValue<double>())
                    : throw new InputException($"{path}: expected a number");
            case Kind.StrList:
                return new JsonArray((value as JsonArray ?? throw new InputException($"{path}: expected a list"))
                    .Select((x, i) => (JsonNode?)JsonValue.Create(StringOf(x, $"{path}[{i}]"))).ToArray());
            case Kind.StrMap:
                {
                    var map = new JsonObject();
                    foreach (var (key, x) in value as JsonObject ?? throw new InputException($"{path}: expected an object"))
                    {
                        map[key] = StringOf(x, $"{path}.{key}");
                    }

                    return map;
                }

            case Kind.Obj:
                return NormalizeObject(value, field.Fields!, path);
            case Kind.ObjList:
                return new JsonArray((value as JsonArray ?? throw new InputException($"{path}: expected a list"))
                    .Select((x, i) => (JsonNode?)NormalizeObject(x, field.Fields!, $"{path}[{i}]")).ToArray());
            case Kind.ObjMap:
                {
                    var map = new JsonObject();
                    foreach (var (key, x) in value as JsonObject ?? throw new InputException($"{path}: expected an object"))
                    {
                        map[key] = NormalizeObject(x, field.Fields!, $"{path}.{key}");
                    }

                    return map;
                }

            case Kind.PaymentMap:
                {
                    var map = new JsonObject();
                    foreach (var (key, x) in value as JsonObject ?? throw new InputException($"{path}: expected an object"))
                    {
                        // PaymentMethod = Union[CreditCard, GiftCard, Paypal], told apart by the Literal 'source'.
                        var source = (x as JsonObject)?["source"] is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : null;
                        var fields = source switch
                        {
                            "credit_card" => CreditCard,
                            "gift_card" => GiftCard,
                            "paypal" => Paypal,
                            _ => throw new InputException($"{path}.{key}: unknown payment method source '{source}'"),
                        };
                        map[key] = NormalizeObject(x, fields, $"{path}.{key}");
                    }

                    return map;
                }

            default:
                throw new InvalidOperationException($"unknown field kind {field.Kind}");
        }
    }

    private static string StringOf(JsonNode? node, string path) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : throw new InputException($"{path}: expected a string");

    private sealed record Field(string Name, Kind Kind, bool Optional = false, Field[]? Fields = null);
}
