using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Python;

namespace Matrix.Scenarios.Tau2.Domains.Retail;

/// <summary>
/// The retail tools that change orders and users. Each one checks and changes in tau2's order, so a failure half way
/// leaves what tau2 would leave (e.g. a refunded gift card before a later payment method is not found); every
/// argument is read first, as pydantic validates them all before the tool runs.
/// </summary>
internal static partial class RetailTools
{
    private static DomainTool CancelPendingOrder() => new(
        "cancel_pending_order",
        "Cancel a pending order. If the order is already processed or delivered,\n\n"
        + "it cannot be cancelled. The agent needs to explain the cancellation detail\n"
        + "and ask for explicit user confirmation (yes/no) to proceed. If the user confirms,\n"
        + "the order status will be changed to 'cancelled' and the payment will be refunded.\n"
        + "The refund will be added to the user's gift card balance immediately if the payment\n"
        + "was made using a gift card, otherwise the refund would take 5-7 business days to process.\n"
        + "The function returns the order details after the cancellation.",
        ToolKind.Write,
        [
            ToolParameter.String("order_id", OrderIdDescription),
            ToolParameter.String("reason", "The reason for cancellation, which should be either 'no longer needed' or 'ordered by mistake'."),
        ],
        (ctx, a) =>
        {
            var orderId = a.String("order_id");
            var reason = a.String("reason");
            var order = FindOrder(ctx, orderId);
            if (Text(order["status"]) != "pending")
            {
                throw new ToolException("Non-pending order cannot be cancelled");
            }

            if (reason is not ("no longer needed" or "ordered by mistake"))
            {
                throw new ToolException("Invalid reason");
            }

            var userId = Text(order["user_id"]) ?? string.Empty;
            var refunds = new List<JsonObject>();
            foreach (var payment in Payments(order).OfType<JsonObject>().ToList())
            {
                var paymentMethodId = Text(payment["payment_method_id"]) ?? string.Empty;
                var amount = Number(payment["amount"]);
                refunds.Add(RetailModel.NewPayment("refund", amount, paymentMethodId));
                if (IsGiftCard(FindPaymentMethod(ctx, userId, paymentMethodId)))
                {
                    // Refunded to the gift card at once.
                    AddToGiftCard(ctx, userId, paymentMethodId, amount);
                }
            }

            var edited = EditOrder(ctx, orderId);
            edited["status"] = "cancelled";
            edited["cancel_reason"] = reason;
            foreach (var refund in refunds)
            {
                Payments(edited).Add(refund);
            }

            return edited;
        });

    private static DomainTool ExchangeDeliveredOrderItems() => new(
        "exchange_delivered_order_items",
        "Exchange items in a delivered order to new items of the same product type.\n\n"
        + "For a delivered order, return or exchange can be only done once by the agent.\n"
        + "The agent needs to explain the exchange detail and ask for explicit user confirmation (yes/no) to proceed.",
        ToolKind.Write,
        [
            ToolParameter.String("order_id", OrderIdDescription),
            ToolParameter.StringList("item_ids", "The item ids to be exchanged, each such as '1008292230'. There could be duplicate items in the list."),
            ToolParameter.StringList(
                "new_item_ids",
                "The item ids to be exchanged for, each such as '1008292230'.\nThere could be duplicate items in the list. Each new item id should match the item id\n"
                + "in the same position and be of the same product."),
            ToolParameter.String(
                "payment_method_id",
                "The payment method id to pay or receive refund for the item price difference,\nsuch as 'gift_card_0000000' or 'credit_card_0000000'. These can be looked up\n"
                + "from the user or order details."),
        ],
        (ctx, a) =>
        {
            var orderId = a.String("order_id");
            var itemIds = a.StringList("item_ids");
            var newItemIds = a.StringList("new_item_ids");
            var paymentMethodId = a.String("payment_method_id");
            var order = FindOrder(ctx, orderId);
            if (Text(order["status"]) != "delivered")
            {
                throw new ToolException("Non-delivered order cannot be exchanged");
            }

            CheckItemsExist(order, itemIds, id => $"Number of {id} not found.");
            if (itemIds.Count != newItemIds.Count)
            {
                throw new ToolException("The number of items to be exchanged should match.");
            }

            var difference = PriceDifference(ctx, order, itemIds, newItemIds, checkDifferentIds: false, out _);

            // round(diff_price, 2); with no items tau2's diff_price stays the int 0, and stays an int in the dump.
            var rounded = itemIds.Count == 0 ? 0 : PyNumbers.Round(difference, 2);
            var userId = Text(order["user_id"]) ?? string.Empty;
            var paymentMethod = FindPaymentMethod(ctx, userId, paymentMethodId);
            if (IsGiftCard(paymentMethod) && Number(paymentMethod["balance"]) < rounded)
            {
                throw new ToolException("Insufficient gift card balance to pay for the price difference");
            }

            var edited = EditOrder(ctx, orderId);
            edited["status"] = "exchange requested";
            edited["exchange_items"] = Sorted(itemIds);
            edited["exchange_new_items"] = Sorted(newItemIds);
            edited["exchange_payment_method_id"] = paymentMethodId;
            edited["exchange_price_difference"] = itemIds.Count == 0 ? JsonValue.Create(0) : JsonValue.Create(rounded);
            return edited;
        });

    private static DomainTool ModifyPendingOrderAddress() => new(
        "modify_pending_order_address",
        "Modify the shipping address of a pending order. The agent needs to explain the modification detail and ask for explicit user confirmation (yes/no) to proceed.",
        ToolKind.Write,
        [ToolParameter.String("order_id", OrderIdDescription), .. AddressParameters()],
        (ctx, a) =>
        {
            var orderId = a.String("order_id");
            var address = AddressArgument(a);
            var order = FindOrder(ctx, orderId);

            // Not strict: "pending (item modified)" counts as pending here.
            if (!(Text(order["status"]) ?? string.Empty).Contains("pending", StringComparison.Ordinal))
            {
                throw new ToolException("Non-pending order cannot be modified");
            }

            var edited = EditOrder(ctx, orderId);
            edited["address"] = address;
            return edited;
        });

    private static DomainTool ModifyPendingOrderItems() => new(
        "modify_pending_order_items",
        "Modify items in a pending order to new items of the same product type. For a pending order, this function can only be called once. "
        + "The agent needs to explain the exchange detail and ask for explicit user confirmation (yes/no) to proceed.",
        ToolKind.Write,
        [
            ToolParameter.String("order_id", OrderIdDescription),
            ToolParameter.StringList("item_ids", "The item ids to be modified, each such as '1008292230'. There could be duplicate items in the list."),
            ToolParameter.StringList(
                "new_item_ids",
                "The item ids to be modified for, each such as '1008292230'. There could be duplicate items in the list. "
                + "Each new item id should match the item id in the same position and be of the same product."),
            ToolParameter.String("payment_method_id", PaymentMethodDescription),
        ],
        (ctx, a) =>
        {
            var orderId = a.String("order_id");
            var itemIds = a.StringList("item_ids");
            var newItemIds = a.StringList("new_item_ids");
            var paymentMethodId = a.String("payment_method_id");
            var order = FindOrder(ctx, orderId);
            if (Text(order["status"]) != "pending")
            {
                throw new ToolException("Non-pending order cannot be modified");
            }

            CheckItemsExist(order, itemIds, id => $"{id} not found");
            if (itemIds.Count != newItemIds.Count)
            {
                throw new ToolException("The number of items to be exchanged should match");
            }

            var difference = PriceDifference(ctx, order, itemIds, newItemIds, checkDifferentIds: true, out var lastVariant);
            var userId = Text(order["user_id"]) ?? string.Empty;
            var paymentMethod = FindPaymentMethod(ctx, userId, paymentMethodId);
            if (IsGiftCard(paymentMethod) && Number(paymentMethod["balance"]) < difference)
            {
                throw new ToolException("Insufficient gift card balance to pay for the new item");
            }

            var edited = EditOrder(ctx, orderId);
            Payments(edited).Add(RetailModel.NewPayment(difference > 0 ? "payment" : "refund", Math.Abs(difference), paymentMethodId));
            if (IsGiftCard(paymentMethod))
            {
                AddToGiftCard(ctx, userId, paymentMethodId, -difference);
            }

            for (var i = 0; i < itemIds.Count; i++)
            {
                var item = FirstItem(edited, itemIds[i]) ?? throw new ToolException($"Item {itemIds[i]} not found");
                item["item_id"] = newItemIds[i];

                // Mirrors tau2-bench as released: every modified item takes the price and options of the LAST new
                // variant checked above, not of its own (tau2-bench issues #317/#318). Gold databases are made by
                // that code, so a per-item fix here would make every multi-item modification differ from them.
                item["price"] = lastVariant!["price"]!.DeepClone();
                item["options"] = lastVariant["options"]!.DeepClone();
            }

            edited["status"] = "pending (item modified)";
            return edited;
        });

    private static DomainTool ModifyPendingOrderPayment() => new(
        "modify_pending_order_payment",
        "Modify the payment method of a pending order. The agent needs to explain the modification detail and ask for explicit user confirmation (yes/no) to proceed.",
        ToolKind.Write,
        [
            ToolParameter.String("order_id", OrderIdDescription),
            ToolParameter.String("payment_method_id", PaymentMethodDescription),
        ],
        (ctx, a) =>
        {
            var orderId = a.String("order_id");
            var paymentMethodId = a.String("payment_method_id");
            var order = FindOrder(ctx, orderId);
            if (!(Text(order["status"]) ?? string.Empty).Contains("pending", StringComparison.Ordinal))
            {
                throw new ToolException("Non-pending order cannot be modified");
            }

            var userId = Text(order["user_id"]) ?? string.Empty;
            var paymentMethod = FindPaymentMethod(ctx, userId, paymentMethodId);
            var payments = Payments(order);
            if (payments.Count != 1 || Text(payments[0]?["transaction_type"]) != "payment")
            {
                throw new ToolException("There should be exactly one payment for a pending order");
            }

            var oldPaymentMethodId = Text(payments[0]!["payment_method_id"]) ?? string.Empty;
            if (oldPaymentMethodId == paymentMethodId)
            {
                throw new ToolException("The new payment method should be different from the current one");
            }

            var amount = Number(payments[0]!["amount"]);
            if (IsGiftCard(paymentMethod) && Number(paymentMethod["balance"]) < amount)
            {
                throw new ToolException("Insufficient gift card balance to pay for the order");
            }

            var edited = EditOrder(ctx, orderId);
            Payments(edited).Add(RetailModel.NewPayment("payment", amount, paymentMethodId));
            Payments(edited).Add(RetailModel.NewPayment("refund", amount, oldPaymentMethodId));
            if (IsGiftCard(paymentMethod))
            {
                AddToGiftCard(ctx, userId, paymentMethodId, -amount);
            }

            // The old method is looked up only now: if it is gone, the order has changed already (as in tau2).
            if (IsGiftCard(FindPaymentMethod(ctx, userId, oldPaymentMethodId)))
            {
                AddToGiftCard(ctx, userId, oldPaymentMethodId, amount);
            }

            return edited;
        });

    private static DomainTool ModifyUserAddress() => new(
        "modify_user_address",
        "Modify the default address of a user. The agent needs to explain the modification detail and ask for explicit user confirmation (yes/no) to proceed.",
        ToolKind.Write,
        [ToolParameter.String("user_id", UserIdDescription), .. AddressParameters()],
        (ctx, a) =>
        {
            var userId = a.String("user_id");
            var address = AddressArgument(a);
            var user = EditUser(ctx, userId);
            user["address"] = address;
            return user;
        });

    private static DomainTool ReturnDeliveredOrderItems() => new(
        "return_delivered_order_items",
        "Return some items of a delivered order.\n\n"
        + "The order status will be changed to 'return requested'.\n"
        + "The agent needs to explain the return detail and ask for explicit user confirmation (yes/no) to proceed.\n"
        + "The user will receive follow-up email for how and where to return the item.",
        ToolKind.Write,
        [
            ToolParameter.String("order_id", OrderIdDescription),
            ToolParameter.StringList("item_ids", "The item ids to be returned, each such as '1008292230'. There could be duplicate items in the list."),
            ToolParameter.String(
                "payment_method_id",
                "The payment method id to pay or receive refund for the item price difference, such as 'gift_card_0000000' or 'credit_card_0000000'.\n"
                + "These can be looked up from the user or order details."),
        ],
        (ctx, a) =>
        {
            var orderId = a.String("order_id");
            var itemIds = a.StringList("item_ids");
            var paymentMethodId = a.String("payment_method_id");
            var order = FindOrder(ctx, orderId);
            if (Text(order["status"]) != "delivered")
            {
                throw new ToolException("Non-delivered order cannot be returned");
            }

            var paymentMethod = FindPaymentMethod(ctx, Text(order["user_id"]) ?? string.Empty, paymentMethodId);
            if (!IsGiftCard(paymentMethod))
            {
                var payments = Payments(order);
                if (payments.Count == 0)
                {
                    throw new ToolException("list index out of range"); // Python's IndexError on payment_history[0]
                }

                if (paymentMethodId != Text(payments[0]?["payment_method_id"]))
                {
                    throw new ToolException("Payment method should be the original payment method");
                }
            }

            CheckItemsExist(order, itemIds, _ => "Some item not found");
            var edited = EditOrder(ctx, orderId);
            edited["status"] = "return requested";
            edited["return_items"] = Sorted(itemIds);
            edited["return_payment_method_id"] = paymentMethodId;
            return edited;
        });

    /// <summary>
    /// The price check shared by exchange and modification: for each (old, new) pair, the order's first item with the
    /// old id, the new id as a variant of that item's product, available; the sum of <c>new - old</c> in list order
    /// starting from 0, as Python adds it. <paramref name="lastVariant"/> is the variant of the last pair (or null).
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
