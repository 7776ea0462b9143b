using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Python;

namespace Matrix.Scenarios.Tau2.Domains.Retail;

/// <summary>
/// The item swap that <c>exchange_delivered_order_items</c> and <c>modify_pending_order_items</c> share. tau2-bench
/// writes its checks twice, in the same order but worded a little differently (a period or not, "Number of"), so they
/// live here once and each tool passes its own wording and quirks in an <see cref="ItemSwapRules"/>.
/// </summary>
internal static partial class RetailTools
{
    /// <summary>What one item-swapping tool says and does differently from the other.</summary>
    /// <param name="Status">The order status the tool accepts (exactly).</param>
    /// <param name="StatusError">The error for any other status.</param>
    /// <param name="MissingItemError">The error for an old item id the order does not hold (often enough).</param>
    /// <param name="CountError">The error when the old and new id lists differ in length.</param>
    /// <param name="NewIdsMustDiffer">Whether a new id equal to its old one is refused (only the modification does).</param>
    /// <param name="RoundDifference">Whether the price difference is rounded to cents before the balance check (only the exchange does).</param>
    /// <param name="BalanceError">The error when a gift card does not cover the difference.</param>
    private sealed record ItemSwapRules(
        string Status,
        string StatusError,
        Func<string, string> MissingItemError,
        string CountError,
        bool NewIdsMustDiffer,
        bool RoundDifference,
        string BalanceError);

    /// <summary>The wording of <c>exchange_delivered_order_items</c>.</summary>
    private static readonly ItemSwapRules ExchangeRules = new(
        Status: "delivered",
        StatusError: "Non-delivered order cannot be exchanged",
        MissingItemError: id => $"Number of {id} not found.",
        CountError: "The number of items to be exchanged should match.",
        NewIdsMustDiffer: false,
        RoundDifference: true,
        BalanceError: "Insufficient gift card balance to pay for the price difference");

    /// <summary>The wording of <c>modify_pending_order_items</c>.</summary>
    private static readonly ItemSwapRules ModifyItemsRules = new(
        Status: "pending",
        StatusError: "Non-pending order cannot be modified",
        MissingItemError: id => $"{id} not found",
        CountError: "The number of items to be exchanged should match",
        NewIdsMustDiffer: true,
        RoundDifference: false,
        BalanceError: "Insufficient gift card balance to pay for the new item");

    /// <summary>
    /// A swap that passed every check: the arguments, the order's user and the payment method, the price difference
    /// (new minus old, rounded if the rules say so) and the new variant of the last pair (null for no items).
    /// </summary>
    private sealed record ItemSwap(
        string OrderId,
        IReadOnlyList<string> ItemIds,
        IReadOnlyList<string> NewItemIds,
        string PaymentMethodId,
        string UserId,
        JsonObject PaymentMethod,
        double Difference,
        JsonObject? LastVariant);

    /// <summary>The parameters of both swapping tools, in tau2's order; only their descriptions differ.</summary>
    private static ToolParameter[] ItemSwapParameters(string itemIds, string newItemIds, string paymentMethodId) =>
    [
        ToolParameter.String("order_id", OrderIdDescription),
        ToolParameter.StringList("item_ids", itemIds),
        ToolParameter.StringList("new_item_ids", newItemIds),
        ToolParameter.String("payment_method_id", paymentMethodId),
    ];

    /// <summary>
    /// Reads the arguments, then checks in tau2's order: the order's status, that it holds the old items, that the
    /// lists match, each pair's new variant (<see cref="PriceDifference"/>) and that a gift card covers the
    /// difference. Changes nothing, so a failure leaves the database as it was.
    /// </summary>
    private static ItemSwap CheckItemSwap(ToolContext ctx, ToolArguments a, ItemSwapRules rules)
    {
        var orderId = a.String("order_id");
        var itemIds = a.StringList("item_ids");
        var newItemIds = a.StringList("new_item_ids");
        var paymentMethodId = a.String("payment_method_id");
        var order = FindOrder(ctx, orderId);
        if (Text(order["status"]) != rules.Status)
        {
            throw new ToolException(rules.StatusError);
        }

        CheckItemsExist(order, itemIds, rules.MissingItemError);
        if (itemIds.Count != newItemIds.Count)
        {
            throw new ToolException(rules.CountError);
        }

        var difference = PriceDifference(ctx, order, itemIds, newItemIds, rules.NewIdsMustDiffer, out var lastVariant);
        if (rules.RoundDifference)
        {
            // round(diff_price, 2); with no items tau2's diff_price stays the int 0.
            difference = itemIds.Count == 0 ? 0 : PyNumbers.Round(difference, 2);
        }

        var userId = Text(order["user_id"]) ?? string.Empty;
        var paymentMethod = FindPaymentMethod(ctx, userId, paymentMethodId);
        if (IsGiftCard(paymentMethod) && Number(paymentMethod["balance"]) < difference)
        {
            throw new ToolException(rules.BalanceError);
        }

        return new ItemSwap(orderId, itemIds, newItemIds, paymentMethodId, userId, paymentMethod, difference, lastVariant);
    }

    /// <summary>
    /// The price check of the swap: for each (old, new) pair, the order's first item with the old id, the new id as a
    /// variant of that item's product, available; the sum of <c>new - old</c> in list order starting from 0, as
    /// Python adds it. <paramref name="lastVariant"/> is the variant of the last pair (or null).
    /// </summary>
    private static double PriceDifference(
        ToolContext ctx, JsonObject order, IReadOnlyList<string> itemIds, IReadOnlyList<string> newItemIds, bool checkDifferentIds, out JsonObject? lastVariant)
    {
        var difference = 0.0;
        lastVariant = null;
        for (var i = 0; i < itemIds.Count; i++)
        {
            if (checkDifferentIds && itemIds[i] == newItemIds[i])
            {
                throw new ToolException("The new item id should be different from the old item id");
            }

            var item = FirstItem(order, itemIds[i]) ?? throw new ToolException($"Item {itemIds[i]} not found");
            var variant = FindVariant(ctx, Text(item["product_id"]) ?? string.Empty, newItemIds[i]);
            if (variant["available"]?.GetValue<bool>() != true)
            {
                throw new ToolException($"New item {newItemIds[i]} not found or available");
            }

            difference += Number(variant["price"]) - Number(item["price"]);
            lastVariant = variant;
        }

        return difference;
    }
}
