using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Domains.Retail;

/// <summary>
/// The retail tools that end an order or hand it on: cancel a pending one, request a return or an exchange of a
/// delivered one. Each one checks and changes in tau2's order, so a failure half way leaves what tau2 would leave
/// (e.g. a refunded gift card before a later payment method is not found); every argument is read first, as pydantic
/// validates them all before the tool runs.
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
        ItemSwapParameters(
            itemIds: "The item ids to be exchanged, each such as '1008292230'. There could be duplicate items in the list.",
            newItemIds: "The item ids to be exchanged for, each such as '1008292230'.\nThere could be duplicate items in the list. Each new item id should match the item id\n"
                + "in the same position and be of the same product.",
            paymentMethodId: "The payment method id to pay or receive refund for the item price difference,\nsuch as 'gift_card_0000000' or 'credit_card_0000000'. These can be looked up\n"
                + "from the user or order details."),
        (ctx, a) =>
        {
            var swap = CheckItemSwap(ctx, a, ExchangeRules);

            // The exchange is only requested: the order keeps its items and nothing is charged yet.
            var edited = EditOrder(ctx, swap.OrderId);
            edited["status"] = "exchange requested";
            edited["exchange_items"] = Sorted(swap.ItemIds);
            edited["exchange_new_items"] = Sorted(swap.NewItemIds);
            edited["exchange_payment_method_id"] = swap.PaymentMethodId;

            // With no items tau2's diff_price is the int 0, and stays an int in the dump.
            edited["exchange_price_difference"] = swap.ItemIds.Count == 0 ? JsonValue.Create(0) : JsonValue.Create(swap.Difference);
            return edited;
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
}
