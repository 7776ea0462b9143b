using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Domains.Retail;

/// <summary>
/// The retail tools that modify a pending order (address, items, payment) or a user's address. Each one checks and
/// changes in tau2's order, so a failure half way leaves what tau2 would leave (e.g. a charged gift card before the
/// old payment method is not found); every argument is read first, as pydantic validates them all before the tool
/// runs.
/// </summary>
internal static partial class RetailTools
{
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
        ItemSwapParameters(
            itemIds: "The item ids to be modified, each such as '1008292230'. There could be duplicate items in the list.",
            newItemIds: "The item ids to be modified for, each such as '1008292230'. There could be duplicate items in the list. "
                + "Each new item id should match the item id in the same position and be of the same product.",
            paymentMethodId: PaymentMethodDescription),
        (ctx, a) =>
        {
            var swap = CheckItemSwap(ctx, a, ModifyItemsRules);
            var difference = swap.Difference;
            var edited = EditOrder(ctx, swap.OrderId);
            Payments(edited).Add(RetailModel.NewPayment(difference > 0 ? "payment" : "refund", Math.Abs(difference), swap.PaymentMethodId));
            if (IsGiftCard(swap.PaymentMethod))
            {
                AddToGiftCard(ctx, swap.UserId, swap.PaymentMethodId, -difference);
            }

            for (var i = 0; i < swap.ItemIds.Count; i++)
            {
                var item = FirstItem(edited, swap.ItemIds[i]) ?? throw new ToolException($"Item {swap.ItemIds[i]} not found");
                item["item_id"] = swap.NewItemIds[i];

                // Mirrors tau2-bench as released: every modified item takes the price and options of the LAST new
                // variant checked above, not of its own (tau2-bench issues #317/#318). Gold databases are made by
                // that code, so a per-item fix here would make every multi-item modification differ from them.
                item["price"] = swap.LastVariant!["price"]!.DeepClone();
                item["options"] = swap.LastVariant["options"]!.DeepClone();
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
}
