using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Python;

namespace Matrix.Scenarios.Tau2.Domains.Retail;

/// <summary>
/// tau2-bench's <c>RetailTools</c> (<c>src/tau2/domains/retail/tools.py</c>): lookups shared by the tools, with
/// tau2's error messages. The tools themselves are in <c>RetailReadTools.cs</c>,
/// <c>RetailCancelReturnExchangeTools.cs</c> and <c>RetailModifyTools.cs</c> (the item swap those two share in
/// <c>RetailItemSwap.cs</c>), and <c>calculate</c> and <c>transfer_to_human_agents</c> in <see cref="GenericTools"/>;
/// <see cref="Build"/> adds them in tau2's declaration order. Descriptions are what tau2 sends to the model: the
/// docstring's first line, then (if any) a blank line and the rest of the description, as docstring_parser splits it.
/// </summary>
internal static partial class RetailTools
{
    public const string ClassName = "RetailTools";

    private const string OrderIdDescription = "The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning of the order id.";
    private const string UserIdDescription = "The user id, such as 'sara_doe_496'.";
    private const string ProductIdDescription = "The product id, such as '6086499569'. Be careful the product id is different from the item id.";
    private const string ItemIdDescription = "The item id, such as '6086499569'. Be careful the item id is different from the product id.";

    private const string PaymentMethodDescription =
        "The payment method id to pay or receive refund for the item price difference, such as 'gift_card_0000000' or 'credit_card_0000000'. These can be looked up from the user or order details.";

    public static ToolKit Build()
    {
        var kit = new ToolKit(ClassName);
        kit.Add(GenericTools.Calculate);
        kit.Add(CancelPendingOrder());
        kit.Add(ExchangeDeliveredOrderItems());
        kit.Add(FindUserIdByNameZip());
        kit.Add(FindUserIdByEmail());
        kit.Add(GetOrderDetails());
        kit.Add(GetProductDetails());
        kit.Add(GetItemDetails());
        kit.Add(GetUserDetails());
        kit.Add(ListAllProductTypes());
        kit.Add(ModifyPendingOrderAddress());
        kit.Add(ModifyPendingOrderItems());
        kit.Add(ModifyPendingOrderPayment());
        kit.Add(ModifyUserAddress());
        kit.Add(ReturnDeliveredOrderItems());
        kit.Add(GenericTools.TransferToHumanAgents);
        return kit;
    }

    /// <summary>The address parameters of <c>modify_pending_order_address</c> and <c>modify_user_address</c>, in tau2's order.</summary>
    private static ToolParameter[] AddressParameters() =>
    [
        ToolParameter.String("address1", "The first line of the address, such as '123 Main St'."),
        ToolParameter.String("address2", "The second line of the address, such as 'Apt 1' or ''."),
        ToolParameter.String("city", "The city, such as 'San Francisco'."),
        ToolParameter.String("state", "The state, such as 'CA'."),
        ToolParameter.String("country", "The country, such as 'USA'."),
        ToolParameter.String("zip", "The zip code, such as '12345'."),
    ];

    /// <summary>The address arguments as a <c>UserAddress</c>, read before the tool touches the database (pydantic validates first).</summary>
    private static JsonObject AddressArgument(ToolArguments a) =>
        RetailModel.NewAddress(a.String("address1"), a.String("address2"), a.String("city"), a.String("state"), a.String("country"), a.String("zip"));

    private static JsonObject FindOrder(ToolContext ctx, string orderId) => ctx.Db.Find("orders", orderId) ?? throw new ToolException("Order not found");

    private static JsonObject EditOrder(ToolContext ctx, string orderId) => ctx.Db.Edit("orders", orderId) ?? throw new ToolException("Order not found");

    private static JsonObject FindUser(ToolContext ctx, string userId) => ctx.Db.Find("users", userId) ?? throw new ToolException("User not found");

    private static JsonObject EditUser(ToolContext ctx, string userId) => ctx.Db.Edit("users", userId) ?? throw new ToolException("User not found");

    private static JsonObject FindProduct(ToolContext ctx, string productId) => ctx.Db.Find("products", productId) ?? throw new ToolException("Product not found");

    /// <summary><c>_get_variant</c>: the product first (<c>Product not found</c>), then its variant.</summary>
    private static JsonObject FindVariant(ToolContext ctx, string productId, string variantId) =>
        Child(FindProduct(ctx, productId), "variants", variantId) ?? throw new ToolException("Variant not found");

    /// <summary><c>_get_payment_method</c>: the user first (<c>User not found</c>), then the method.</summary>
    private static JsonObject FindPaymentMethod(ToolContext ctx, string userId, string paymentMethodId) =>
        Child(FindUser(ctx, userId), "payment_methods", paymentMethodId) ?? throw new ToolException("Payment method not found");

    /// <summary>Adds <paramref name="delta"/> to a gift card's balance and rounds it to cents, as tau2 does after every change (<c>x - d</c> is <c>x + -d</c> in IEEE arithmetic).</summary>
    private static void AddToGiftCard(ToolContext ctx, string userId, string paymentMethodId, double delta)
    {
        var card = Child(EditUser(ctx, userId), "payment_methods", paymentMethodId) ?? throw new ToolException("Payment method not found");
        card["balance"] = PyNumbers.Round(Number(card["balance"]) + delta, 2);
    }

    private static bool IsGiftCard(JsonObject paymentMethod) => Text(paymentMethod["source"]) == "gift_card";

    private static JsonObject? Child(JsonObject parent, string map, string key) =>
        parent[map] is JsonObject entries && entries.TryGetPropertyValue(key, out var child) ? child as JsonObject : null;

    private static string? Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static double Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : throw new ToolException("the database holds a non-numeric amount");

    private static JsonArray Items(JsonObject order) => order["items"] as JsonArray ?? [];

    private static JsonArray Payments(JsonObject order) => order["payment_history"] as JsonArray ?? [];

    /// <summary>The first item of the order with this item id (Python's <c>next(...)</c>), or null.</summary>
    private static JsonObject? FirstItem(JsonObject order, string itemId) =>
        Items(order).OfType<JsonObject>().FirstOrDefault(i => Text(i["item_id"]) == itemId);

    /// <summary>
    /// The check the order tools share: every id of <paramref name="itemIds"/> occurs in the order at least as many
    /// times as in the list (duplicates allowed); the first id that does not gives <paramref name="error"/>.
    /// </summary>
    private static void CheckItemsExist(JsonObject order, IReadOnlyList<string> itemIds, Func<string, string> error)
    {
        var inOrder = Items(order).OfType<JsonObject>().Select(i => Text(i["item_id"])).ToList();
        foreach (var itemId in itemIds)
        {
            if (itemIds.Count(x => x == itemId) > inOrder.Count(x => x == itemId))
            {
                throw new ToolException(error(itemId));
            }
        }
    }

    /// <summary>Python's <c>sorted</c> of strings: by code point.</summary>
    private static JsonArray Sorted(IEnumerable<string> values)
    {
        var list = values.ToList();
        list.Sort(ComparePython);
        return new JsonArray(list.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
    }

    private static int ComparePython(string a, string b)
    {
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            var hasA = ea.MoveNext();
            var hasB = eb.MoveNext();
            if (!hasA || !hasB)
            {
                return hasA ? 1 : hasB ? -1 : 0;
            }

            var c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0)
            {
                return c;
            }
        }
    }

    /// <summary>
    /// tau2's <c>fold_for_match</c>: stripped, decomposed (NFD) with combining marks dropped, then case-folded. .NET
    /// has no <c>casefold</c>; lower-casing plus the foldings that differ from it for letters (ß, final sigma) is the
    /// same for names and emails.
    /// </summary>
    private static string Fold(string text)
    {
        var decomposed = text.Trim().Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) is not (UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark))
            {
                sb.Append(c);
            }
        }

        return sb.ToString().ToLowerInvariant().Replace("ß", "ss", StringComparison.Ordinal).Replace('ς', 'σ');
    }
}
