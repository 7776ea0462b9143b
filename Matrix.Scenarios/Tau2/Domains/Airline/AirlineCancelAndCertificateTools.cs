using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Python;

namespace Matrix.Scenarios.Tau2.Domains.Airline;

/// <summary>
/// <c>cancel_reservation</c>, which refunds every payment of a reservation, and <c>send_certificate</c>, which
/// gives a user a certificate (as compensation) under the first of tau2's fixed certificate ids not taken.
/// </summary>
internal static partial class AirlineTools
{
    /// <summary>tau2's fixed ids for new certificates, so that runs stay deterministic: the first one not taken is used.</summary>
    private static readonly int[] NewPaymentIds = [3221322, 3221323, 3221324];

    private static object? CancelReservation(ToolContext ctx, ToolArguments a)
    {
        var reservationId = a.String("reservation_id");
        GetReservation(ctx, reservationId);
        var reservation = ctx.Db.Edit("reservations", reservationId)!;
        var history = (JsonArray)reservation["payment_history"]!;
        var refunds = history.Select(p => AirlineModel.Payment(Text(p!["payment_id"]), -Int(p["amount"]))).ToList();
        foreach (var refund in refunds)
        {
            history.Add(refund);
        }

        reservation["status"] = "cancelled";

        // tau2 does not release the seats on cancellation ("Seats release not implemented").
        return reservation;
    }

    private static object? SendCertificate(ToolContext ctx, ToolArguments a)
    {
        var userId = a.String("user_id");
        GetUser(ctx, userId);
        var raw = a.Raw("amount");
        foreach (var paymentId in NewPaymentIds.Select(id => string.Create(CultureInfo.InvariantCulture, $"certificate_{id}")))
        {
            if (ctx.Db.Find("users", userId)!["payment_methods"]?[paymentId] is null)
            {
                var validation = new PydanticValidation("Certificate");
                var amount = validation.FloatValue("amount", raw);
                validation.ThrowIfAny();
                var methods = (JsonObject)ctx.Db.Edit("users", userId)!["payment_methods"]!;
                methods[paymentId] = AirlineModel.Certificate(paymentId, amount);
                return $"Certificate {paymentId} added to user {userId} with amount {PyRepr.Str(raw)}.";
            }
        }

        throw new ToolException("Too many certificates");
    }
}
