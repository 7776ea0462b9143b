using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Domains.Airline;

/// <summary>
/// tau2-bench's <c>AirlineTools</c> (<c>src/tau2/domains/airline/tools.py</c>): tool names, descriptions (the
/// docstrings' description), arguments, errors, database effects and results as tau2-bench has them, in its
/// declaration order. Lookups of users, reservations and flights are exact, as in the tau2-bench commit the data
/// comes from. What tau2 fixes to stay deterministic is fixed here too: the "current time" 2024-05-15T15:00:00
/// (EST) for <c>created_at</c>, new reservation ids HATHAT, HATHAU, HATHAV (the first one not taken) and certificate
/// ids certificate_3221322..3221324.
/// This file declares the tools; their bodies are in <c>AirlineSearchTools.cs</c>, <c>AirlineBookingTools.cs</c>,
/// <c>AirlineUpdateTools.cs</c> and <c>AirlineCancelAndCertificateTools.cs</c>, the database lookups they share in
/// <c>AirlineLookups.cs</c> and the reading of their list arguments in <c>AirlineArguments.cs</c>.
/// </summary>
internal static partial class AirlineTools
{
    /// <summary>tau2's <c>_get_datetime</c>.</summary>
    public const string CurrentTime = "2024-05-15T15:00:00";

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
}
