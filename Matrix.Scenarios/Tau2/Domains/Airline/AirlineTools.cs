using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Json;
using Matrix.Scenarios.Tau2.Python;

namespace Matrix.Scenarios.Tau2.Domains.Airline;

/// <summary>
/// tau2-bench's <c>AirlineTools</c> (<c>src/tau2/domains/airline/tools.py</c>): tool names, descriptions (the
/// docstrings' description), arguments, errors, database effects and results as tau2-bench has them, in its
/// declaration order. Lookups of users, reservations and flights are exact, as in the tau2-bench commit the data
/// comes from. What tau2 fixes to stay deterministic is fixed here too: the "current time" 2024-05-15T15:00:00
/// (EST) for <c>created_at</c>, new reservation ids HATHAT, HATHAU, HATHAV (the first one not taken) and certificate
/// ids certificate_3221322..3221324.
/// </summary>
internal static class AirlineTools
{
    /// <summary>tau2's <c>_get_datetime</c>.</summary>
    public const string CurrentTime = "2024-05-15T15:00:00";

    private static readonly string[] NewReservationIds = ["HATHAT", "HATHAU", "HATHAV"];
    private static readonly int[] NewPaymentIds = [3221322, 3221323, 3221324];

    private static readonly (string Iata, string City)[] Airports =
    [
        ("SFO", "San Francisco"), ("JFK", "New York"), ("LAX", "Los Angeles"), ("ORD", "Chicago"), ("DFW", "Dallas"),
        ("DEN", "Denver"), ("SEA", "Seattle"), ("ATL", "Atlanta"), ("MIA", "Miami"), ("BOS", "Boston"),
        ("PHX", "Phoenix"), ("IAH", "Houston"), ("LAS", "Las Vegas"), ("MCO", "Orlando"), ("EWR", "Newark"),
        ("CLT", "Charlotte"), ("MSP", "Minneapolis"), ("DTW", "Detroit"), ("PHL", "Philadelphia"), ("LGA", "LaGuardia"),
    ];

    private const string PaymentIdDescription =
        "The payment id stored in user profile, such as 'credit_card_7815826', 'gift_card_7815826', 'certificate_7815826'.";

    public static ToolKit Build()
    {
        var kit = new ToolKit("AirlineTools");
        kit.Add(
            "book_reservation",
            "Book a reservation.",
            ToolKind.Write,
            [
                ToolParameter.String("user_id", "The ID of the user to book the reservation such as 'sara_doe_496'`."),
                ToolParameter.String("origin", "The IATA code for the origin city such as 'SFO'."),
                ToolParameter.String("destination", "The IATA code for the destination city such as 'JFK'."),
                ToolParameter.Enum("flight_type", "The type of flight such as 'one_way' or 'round_trip'.", AirlineModel.FlightTypes),
                ToolParameter.Enum("cabin", "The cabin class such as 'basic_economy', 'economy', or 'business'.", AirlineModel.CabinClasses),
                FlightInfoList("flights", "An array of objects containing details about each piece of flight."),
                PassengerList("passengers", "An array of objects containing details about each passenger."),
                ToolParameter.ObjectList(
                    "payment_methods",
                    "An array of objects containing details about each payment method.",
                    ToolParameter.String("payment_id", "Unique identifier for the payment"),
                    ToolParameter.Integer("amount", "Payment amount in dollars")),
                ToolParameter.Integer("total_baggages", "The total number of baggage items to book the reservation."),
                ToolParameter.Integer("nonfree_baggages", "The number of non-free baggage items to book the reservation."),
                ToolParameter.Enum("insurance", "Whether the reservation has insurance.", AirlineModel.InsuranceValues),
            ],
            BookReservation);
        kit.Add(GenericTools.Calculate);
        kit.Add(
            "cancel_reservation",
            "Cancel the whole reservation.",
            ToolKind.Write,
            [ToolParameter.String("reservation_id", "The reservation ID, such as 'ZFA04Y'.")],
            CancelReservation);
        kit.Add(
            "get_reservation_details",
            "Get the details of a reservation.",
            ToolKind.Read,
            [ToolParameter.String("reservation_id", "The reservation ID, such as '8JX2WO'.")],
            (ctx, a) => GetReservation(ctx, a.String("reservation_id")));
        kit.Add(
            "get_user_details",
            "Get the details of a user, including their reservations.",
            ToolKind.Read,
            [ToolParameter.String("user_id", "The user ID, such as 'sara_doe_496'.")],
            (ctx, a) => GetUser(ctx, a.String("user_id")));
        kit.Add(
            "list_all_airports",
            "Returns a list of all available airports.",
            ToolKind.Read,
            [],
            (_, _) => new JsonArray(Airports.Select(ap => (JsonNode)new JsonObject { ["iata"] = ap.Iata, ["city"] = ap.City }).ToArray()));
        kit.Add(
            "search_direct_flight",
            "Search for direct flights between two cities on a specific date.",
            ToolKind.Read,
            [
                ToolParameter.String("origin", "The origin city airport in three letters, such as 'JFK'."),
                ToolParameter.String("destination", "The destination city airport in three letters, such as 'LAX'."),
                ToolParameter.String("date", "The date of the flight in the format 'YYYY-MM-DD', such as '2024-01-01'."),
            ],
            (ctx, a) => new JsonArray(SearchDirect(ctx, a.String("date"), a.String("origin"), a.String("destination"), null).Select(f => (JsonNode)f).ToArray()));
        kit.Add(
            "search_onestop_flight",
            "Search for one-stop flights between two cities on a specific date.",
            ToolKind.Read,
            [
                ToolParameter.String("origin", "The origin city airport in three letters, such as 'JFK'."),
                ToolParameter.String("destination", "The destination city airport in three letters, such as 'LAX'."),
                ToolParameter.String("date", "The date of the flight in the format 'YYYY-MM-DD', such as '2024-05-01'."),
            ],
            SearchOnestop);
        kit.Add(
            "send_certificate",
            "Send a certificate to a user. Be careful!",
            ToolKind.Write,
            [
                ToolParameter.String("user_id", "The ID of the user to book the reservation, such as 'sara_doe_496'."),
                ToolParameter.Integer("amount", "The amount of the certificate to send."),
            ],
            SendCertificate);
        kit.Add(GenericTools.TransferToHumanAgents);
        kit.Add(
            "update_reservation_baggages",
            "Update the baggage information of a reservation.",
            ToolKind.Write,
            [
                ToolParameter.String("reservation_id", "The reservation ID, such as 'ZFA04Y'"),
                ToolParameter.Integer("total_baggages", "The updated total number of baggage items included in the reservation."),
                ToolParameter.Integer("nonfree_baggages", "The updated number of non-free baggage items included in the reservation."),
                ToolParameter.String("payment_id", PaymentIdDescription),
            ],
            UpdateBaggages);
        kit.Add(
            "update_reservation_flights",
            "Update the flight information of a reservation.",
            ToolKind.Write,
            [
                ToolParameter.String("reservation_id", "The reservation ID, such as 'ZFA04Y'."),
                ToolParameter.Enum("cabin", "The cabin class of the reservation", AirlineModel.CabinClasses),
                FlightInfoList("flights", "An array of objects containing details about each piece of flight in the ENTIRE new reservation. Even if the a flight segment is not changed, it should still be included in the array."),
                ToolParameter.String("payment_id", PaymentIdDescription),
            ],
            UpdateFlights);
        kit.Add(
            "update_reservation_passengers",
            "Update the passenger information of a reservation.",
            ToolKind.Write,
            [
                ToolParameter.String("reservation_id", "The reservation ID, such as 'ZFA04Y'."),
                PassengerList("passengers", "An array of objects containing details about each passenger."),
            ],
            UpdatePassengers);
        kit.Add(
            "get_flight_status",
            "Get the status of a flight.",
            ToolKind.Read,
            [
                ToolParameter.String("flight_number", "The flight number."),
                ToolParameter.String("date", "The date of the flight."),
            ],
            (ctx, a) => FlightInstance(ctx, a.String("flight_number"), a.String("date"))["status"]?.GetValue<string>());
        return kit;
    }

    private static ToolParameter FlightInfoList(string name, string description) => ToolParameter.ObjectList(
        name,
        description,
        ToolParameter.String("flight_number", "Flight number, such as 'HAT001'."),
        ToolParameter.String("date", "The date for the flight in the format 'YYYY-MM-DD', such as '2024-05-01'."));

    private static ToolParameter PassengerList(string name, string description) => ToolParameter.ObjectList(
        name,
        description,
        ToolParameter.String("first_name", "Passenger's first name"),
        ToolParameter.String("last_name", "Passenger's last name"),
        ToolParameter.String("dob", "Date of birth in YYYY-MM-DD format"));

    // ---- lookups (tau2's _get_user, _get_reservation, _get_flight, _get_flight_instance) ----

    private static JsonObject GetUser(ToolContext ctx, string userId) =>
        ctx.Db.Find("users", userId) ?? throw new ToolException($"User {userId} not found");

    private static JsonObject GetReservation(ToolContext ctx, string reservationId) =>
        ctx.Db.Find("reservations", reservationId) ?? throw new ToolException($"Reservation {reservationId} not found");

    private static JsonObject GetFlight(ToolContext ctx, string flightNumber) =>
        ctx.Db.Find("flights", flightNumber) ?? throw new ToolException($"Flight {flightNumber} not found");

    private static JsonObject FlightInstance(ToolContext ctx, string flightNumber, string date) =>
        GetFlight(ctx, flightNumber)["dates"]?[date] as JsonObject ?? throw new ToolException($"Flight {flightNumber} not found on date {date}");

    private static string Text(JsonNode? node) => node?.GetValue<string>() ?? string.Empty;

    private static long Int(JsonNode? node) => JsonValues.Integer(node) ?? 0;

    private static double Float(JsonNode? node) => JsonValues.Number(node) ?? 0;

    // ---- argument models (tau2 builds FlightInfo / Passenger / Payment from dicts) ----

    private sealed record FlightInfo(string FlightNumber, string Date);

    private sealed record PaymentInfo(string PaymentId, long Amount);

    /// <summary>
    /// tau2's <c>if all(isinstance(x, dict) for x in items): items = [Model(**x) for x in items]</c>: each dict is
    /// validated in turn (the first invalid one raises); a list that is not all dicts stays as it is and fails where
    /// an attribute is read, as Python's AttributeError.
    /// </summary>
    private static List<T> Models<T>(ToolArguments a, string name, string model, string firstAttribute, Func<JsonObject, PydanticValidation, T> build)
    {
        var list = a.Array(name);
        if (!list.All(x => x is JsonObject))
        {
            var bad = list.First(x => x is not JsonObject);
            throw new ToolException($"'{PyRepr.TypeName(bad)}' object has no attribute '{firstAttribute}'");
        }

        var result = new List<T>(list.Count);
        foreach (var item in list)
        {
            var validation = new PydanticValidation(model);
            var value = build((JsonObject)item!, validation);
            validation.ThrowIfAny();
            result.Add(value);
        }

        return result;
    }

    private static List<FlightInfo> FlightInfos(ToolArguments a) =>
        Models(a, "flights", "FlightInfo", "flight_number", (o, v) => new FlightInfo(v.String(o, "flight_number"), v.String(o, "date")));

    private static List<JsonObject> Passengers(ToolArguments a) =>
        Models(a, "passengers", "Passenger", "first_name", (o, v) => AirlineModel.PassengerObject(v.String(o, "first_name"), v.String(o, "last_name"), v.String(o, "dob")));

    private static List<PaymentInfo> Payments(ToolArguments a) =>
        Models(a, "payment_methods", "Payment", "payment_id", (o, v) => new PaymentInfo(v.String(o, "payment_id"), v.Int(o, "amount")));

    // ---- tools ----

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
            var flight = GetFlight(ctx, info.FlightNumber);
            var instance = FlightInstance(ctx, info.FlightNumber, info.Date);
            if (Text(instance["status"]) != "available")
            {
                throw new ToolException($"Flight {info.FlightNumber} not available on date {info.Date}");
            }

            if (Int(Seat(instance, cabin)) < passengers.Count)
            {
                throw new ToolException($"Not enough seats on flight {info.FlightNumber}");
            }

            var price = Int(instance["prices"]?[cabin] ?? throw KeyError(cabin));
            reservationFlights.Add(AirlineModel.ReservationFlight(info.FlightNumber, Text(flight["origin"]), Text(flight["destination"]), info.Date, price));
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
        var payment = PaymentForUpdate(ctx, userId, paymentId, totalPrice);
        var edited = ctx.Db.Edit("reservations", reservationId)!;
        if (payment is not null)
        {
            ((JsonArray)edited["payment_history"]!).Add(payment);
        }

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
            newFlights.Add(AirlineModel.ReservationFlight(info.FlightNumber, Text(flight["origin"]), Text(flight["destination"]), info.Date, price));
            totalPrice += price * passengers;
        }

        // The amount already paid for the current flights is deducted.
        totalPrice -= current.Sum(f => Int(f["price"])) * passengers;

        var payment = PaymentForUpdate(ctx, userId, paymentId, totalPrice);
        var edited = ctx.Db.Edit("reservations", reservationId)!;
        if (payment is not null)
        {
            ((JsonArray)edited["payment_history"]!).Add(payment);
        }

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

    private static object? SearchOnestop(ToolContext ctx, ToolArguments a)
    {
        var origin = a.String("origin");
        var destination = a.String("destination");
        var date = a.String("date");
        var results = new JsonArray();
        foreach (var first in SearchDirect(ctx, date, origin, null, null))
        {
            first["date"] = date;
            var arrival = Text(first["scheduled_arrival_time_est"]);

            // tau2's next day is f"2024-05-{int(date[-2:]) + 1}": no zero padding, month fixed.
            var date2 = arrival.Contains("+1", StringComparison.Ordinal)
                ? string.Create(CultureInfo.InvariantCulture, $"2024-05-{PyInt(date.Length >= 2 ? date[^2..] : date) + 1}")
                : date;
            foreach (var second in SearchDirect(ctx, date2, Text(first["destination"]), destination, arrival))
            {
                second["date"] = date2;
                results.Add(new JsonArray(first.DeepClone(), second));
            }
        }

        return results;
    }

    /// <summary>tau2's <c>_search_direct_flight</c>: available flights on <paramref name="date"/>, as <c>DirectFlight</c>s (date null).</summary>
    private static List<JsonObject> SearchDirect(ToolContext ctx, string date, string? origin, string? destination, string? leaveAfter)
    {
        var results = new List<JsonObject>();
        foreach (var (_, flight) in ctx.Db.Entries("flights"))
        {
            if ((origin is not null && Text(flight["origin"]) != origin)
                || (destination is not null && Text(flight["destination"]) != destination)
                || flight["dates"]?[date] is not JsonObject instance
                || Text(instance["status"]) != "available"
                || (leaveAfter is not null && string.CompareOrdinal(Text(flight["scheduled_departure_time_est"]), leaveAfter) < 0))
            {
                continue;
            }

            results.Add(new JsonObject
            {
                ["flight_number"] = Text(flight["flight_number"]),
                ["origin"] = Text(flight["origin"]),
                ["destination"] = Text(flight["destination"]),
                ["status"] = "available",
                ["scheduled_departure_time_est"] = Text(flight["scheduled_departure_time_est"]),
                ["scheduled_arrival_time_est"] = Text(flight["scheduled_arrival_time_est"]),
                ["date"] = null,
                ["available_seats"] = instance["available_seats"]?.DeepClone(),
                ["prices"] = instance["prices"]?.DeepClone(),
            });
        }

        return results;
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

    private static JsonNode Seat(JsonObject instance, string cabin) => instance["available_seats"]?[cabin] ?? throw KeyError(cabin);

    /// <summary>Python's KeyError, whose message is the key's repr.</summary>
    private static ToolException KeyError(string key) => new(PyRepr.Repr(JsonValue.Create(key)));

    /// <summary>Python's <c>int(text)</c> for the day of a date.</summary>
    private static int PyInt(string text) =>
        int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ToolException($"invalid literal for int() with base 10: {PyRepr.Repr(JsonValue.Create(text))}");
}
