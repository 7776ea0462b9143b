using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Domains.Airline;

/// <summary>
/// The airline tools that change a reservation: baggages, flights (and cabin) and passengers. A price difference is
/// charged to, or refunded on, one payment method of the user (<see cref="PaymentForUpdate"/>).
/// </summary>
internal static partial class AirlineTools
{
    private static object? UpdateBaggages(ToolContext ctx, ToolArguments a)
    {
        var reservationId = a.String("reservation_id");
        var totalBaggages = a.Integer("total_baggages");
        var nonfreeBaggages = a.Integer("nonfree_baggages");
        var paymentId = a.String("payment_id");
        var reservation = GetReservation(ctx, reservationId);
        var userId = Text(reservation["user_id"]);
        GetUser(ctx, userId);

        var totalPrice = 50 * Math.Max(0, nonfreeBaggages - Int(reservation["nonfree_baggages"]));
        var edited = ChargeForUpdate(ctx, reservationId, userId, paymentId, totalPrice);
        edited["total_baggages"] = totalBaggages;
        edited["nonfree_baggages"] = nonfreeBaggages;
        return edited;
    }

    private static object? UpdateFlights(ToolContext ctx, ToolArguments a)
    {
        var flights = FlightInfos(a);
        var reservationId = a.String("reservation_id");
        var cabin = a.String("cabin");
        var paymentId = a.String("payment_id");
        var reservation = GetReservation(ctx, reservationId);
        var userId = Text(reservation["user_id"]);
        GetUser(ctx, userId);

        var passengers = ((JsonArray)reservation["passengers"]!).Count;
        var current = ((JsonArray)reservation["flights"]!).Select(f => (JsonObject)f!).ToList();
        var sameCabin = cabin == Text(reservation["cabin"]);
        long totalPrice = 0;
        var newFlights = new List<JsonObject>();
        foreach (var info in flights)
        {
            var flight = GetFlight(ctx, info.FlightNumber);

            // A segment already booked (same flight, date and cabin) keeps its price.
            var kept = sameCabin ? current.FirstOrDefault(f => Text(f["flight_number"]) == info.FlightNumber && Text(f["date"]) == info.Date) : null;
            if (kept is not null)
            {
                totalPrice += Int(kept["price"]) * passengers;
                newFlights.Add((JsonObject)kept.DeepClone());
                continue;
            }

            var (segment, price) = BookableSegment(ctx, flight, info, cabin, passengers);
            newFlights.Add(segment);
            totalPrice += price * passengers;
        }

        // The amount already paid for the current flights is deducted.
        totalPrice -= current.Sum(f => Int(f["price"])) * passengers;

        var edited = ChargeForUpdate(ctx, reservationId, userId, paymentId, totalPrice);
        edited["flights"] = new JsonArray(newFlights.Select(f => (JsonNode)f).ToArray());
        edited["cabin"] = cabin;

        // As in tau2, the flights' seats are not updated here.
        return edited;
    }

    private static object? UpdatePassengers(ToolContext ctx, ToolArguments a)
    {
        var passengers = Passengers(a);
        var reservationId = a.String("reservation_id");
        var reservation = GetReservation(ctx, reservationId);
        if (passengers.Count != ((JsonArray)reservation["passengers"]!).Count)
        {
            throw new ToolException("Number of passengers does not match");
        }

        var edited = ctx.Db.Edit("reservations", reservationId)!;
        edited["passengers"] = new JsonArray(passengers.Select(p => (JsonNode)p).ToArray());
        return edited;
    }

    /// <summary>
    /// Charges <paramref name="totalPrice"/> (<see cref="PaymentForUpdate"/>) and returns the reservation to change,
    /// with the payment recorded in its history unless the price is 0.
    /// </summary>
    private static JsonObject ChargeForUpdate(ToolContext ctx, string reservationId, string userId, string paymentId, long totalPrice)
    {
        var payment = PaymentForUpdate(ctx, userId, paymentId, totalPrice);
        var edited = ctx.Db.Edit("reservations", reservationId)!;
        if (payment is not null)
        {
            ((JsonArray)edited["payment_history"]!).Add(payment);
        }

        return edited;
    }

    /// <summary>
    /// tau2's <c>_payment_for_update</c>: the payment method must be the user's and not a certificate; a gift card
    /// must cover the price and is charged (or refunded, for a negative price). Returns the payment to record, or
    /// null when the price is 0.
    /// </summary>
    private static JsonObject? PaymentForUpdate(ToolContext ctx, string userId, string paymentId, long totalPrice)
    {
        var method = ctx.Db.Find("users", userId)!["payment_methods"]?[paymentId] as JsonObject
            ?? throw new ToolException("Payment method not found");
        var source = Text(method["source"]);
        if (source == "certificate")
        {
            throw new ToolException("Certificate cannot be used to update reservation");
        }

        if (source == "gift_card" && Float(method["amount"]) < totalPrice)
        {
            throw new ToolException("Gift card balance is not enough");
        }

        if (source == "gift_card")
        {
            var edited = (JsonObject)ctx.Db.Edit("users", userId)!["payment_methods"]![paymentId]!;
            edited["amount"] = Float(edited["amount"]) - totalPrice;
        }

        return totalPrice != 0 ? AirlineModel.Payment(paymentId, totalPrice) : null;
    }
}
