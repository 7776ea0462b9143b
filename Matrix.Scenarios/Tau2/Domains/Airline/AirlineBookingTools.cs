using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Python;

namespace Matrix.Scenarios.Tau2.Domains.Airline;

/// <summary>
/// <c>book_reservation</c>: checks everything (arguments, flights, seats, balances, the total) before it changes
/// anything, then charges the payment methods, takes the seats and stores the reservation.
/// </summary>
internal static partial class AirlineTools
{
    /// <summary>tau2's fixed ids for new reservations, so that runs stay deterministic: the first one not taken is used.</summary>
    private static readonly string[] NewReservationIds = ["HATHAT", "HATHAU", "HATHAV"];

    private static object? BookReservation(ToolContext ctx, ToolArguments a)
    {
        var flights = FlightInfos(a);
        var passengers = Passengers(a);
        var payments = Payments(a);
        var userId = a.String("user_id");
        var user = GetUser(ctx, userId);
        var reservationId = NewReservationIds.FirstOrDefault(id => !ctx.Db.Contains("reservations", id))
            ?? throw new ToolException("Too many reservations");

        // Reservation(...) validates the arguments it stores as they were given.
        var validation = new PydanticValidation("Reservation");
        var origin = validation.StringValue("origin", a.Raw("origin"));
        var destination = validation.StringValue("destination", a.Raw("destination"));
        var flightType = validation.Literal("flight_type", a.Raw("flight_type"), AirlineModel.FlightTypes);
        var cabin = validation.Literal("cabin", a.Raw("cabin"), AirlineModel.CabinClasses);
        var totalBaggages = validation.IntValue("total_baggages", a.Raw("total_baggages"));
        var nonfreeBaggages = validation.IntValue("nonfree_baggages", a.Raw("nonfree_baggages"));
        var insurance = validation.Literal("insurance", a.Raw("insurance"), AirlineModel.InsuranceValues);
        validation.ThrowIfAny();

        // Flights and price; nothing changes until every check passed.
        var reservationFlights = new JsonArray();
        var booked = new List<FlightInfo>();
        long totalPrice = 0;
        foreach (var info in flights)
        {
            var (segment, price) = BookableSegment(ctx, GetFlight(ctx, info.FlightNumber), info, cabin, passengers.Count);
            reservationFlights.Add(segment);
            booked.Add(info);
            totalPrice += price * passengers.Count;
        }

        if (Text(a.Raw("insurance")) == "yes")
        {
            totalPrice += 30 * passengers.Count;
        }

        totalPrice += 50 * nonfreeBaggages;

        var methods = user["payment_methods"] as JsonObject ?? [];
        foreach (var payment in payments)
        {
            var method = methods[payment.PaymentId] as JsonObject ?? throw new ToolException($"Payment method {payment.PaymentId} not found");
            if (Text(method["source"]) is "gift_card" or "certificate" && Float(method["amount"]) < payment.Amount)
            {
                throw new ToolException($"Not enough balance in payment method {payment.PaymentId}");
            }
        }

        var totalPayment = payments.Sum(p => p.Amount);
        if (totalPayment != totalPrice)
        {
            throw new ToolException(string.Create(CultureInfo.InvariantCulture, $"Payment amount does not add up, total price is {totalPrice}, but paid {totalPayment}"));
        }

        // Deduct payments: gift cards lose the amount, certificates are used up.
        var editedUser = ctx.Db.Edit("users", userId)!;
        var editedMethods = (JsonObject)editedUser["payment_methods"]!;
        foreach (var payment in payments)
        {
            var method = editedMethods[payment.PaymentId] as JsonObject ?? throw KeyError(payment.PaymentId);
            switch (Text(method["source"]))
            {
                case "gift_card":
                    method["amount"] = Float(method["amount"]) - payment.Amount;
                    break;
                case "certificate":
                    editedMethods.Remove(payment.PaymentId);
                    break;
            }
        }

        foreach (var info in booked)
        {
            var seats = (JsonObject)ctx.Db.Edit("flights", info.FlightNumber)!["dates"]![info.Date]!["available_seats"]!;
            seats[cabin] = Int(seats[cabin]) - passengers.Count;
        }

        var reservation = new JsonObject
        {
            ["reservation_id"] = reservationId,
            ["user_id"] = userId,
            ["origin"] = origin,
            ["destination"] = destination,
            ["flight_type"] = flightType,
            ["cabin"] = cabin,
            ["flights"] = reservationFlights,
            ["passengers"] = new JsonArray(passengers.Select(p => (JsonNode)p).ToArray()),
            ["payment_history"] = new JsonArray(payments.Select(p => (JsonNode)AirlineModel.Payment(p.PaymentId, p.Amount)).ToArray()),
            ["created_at"] = CurrentTime,
            ["total_baggages"] = totalBaggages,
            ["nonfree_baggages"] = nonfreeBaggages,
            ["insurance"] = insurance,
            ["status"] = null,
        };
        ctx.Db.Put("reservations", reservationId, reservation);
        ((JsonArray)editedUser["reservations"]!).Add(reservationId);
        return reservation;
    }

    /// <summary>
    /// A segment booked anew (by <c>book_reservation</c>, or by <c>update_reservation_flights</c> for one not already
    /// in the reservation), checked in tau2's order: the flight flies on that date, is available and has a seat in
    /// <paramref name="cabin"/> for every passenger. Returns the segment as the reservation stores it and its price
    /// per passenger.
    /// </summary>
    private static (JsonObject Segment, long Price) BookableSegment(ToolContext ctx, JsonObject flight, FlightInfo info, string cabin, int passengers)
    {
        var instance = FlightInstance(ctx, info.FlightNumber, info.Date);
        if (Text(instance["status"]) != "available")
        {
            throw new ToolException($"Flight {info.FlightNumber} not available on date {info.Date}");
        }

        if (Int(Seat(instance, cabin)) < passengers)
        {
            throw new ToolException($"Not enough seats on flight {info.FlightNumber}");
        }

        var price = Int(instance["prices"]?[cabin] ?? throw KeyError(cabin));
        return (AirlineModel.ReservationFlight(info.FlightNumber, Text(flight["origin"]), Text(flight["destination"]), info.Date, price), price);
    }
}
