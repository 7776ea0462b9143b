using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Json;
using Matrix.Scenarios.Tau2.Python;

namespace Matrix.Scenarios.Tau2.Domains.Airline;

/// <summary>
/// The airline tools' database lookups (tau2's <c>_get_user</c>, <c>_get_reservation</c>, <c>_get_flight</c>,
/// <c>_get_flight_instance</c>) with tau2's errors, and the readers of stored values the tools share.
/// </summary>
internal static partial class AirlineTools
{
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

    private static JsonNode Seat(JsonObject instance, string cabin) => instance["available_seats"]?[cabin] ?? throw KeyError(cabin);

    /// <summary>Python's KeyError, whose message is the key's repr.</summary>
    private static ToolException KeyError(string key) => new(PyRepr.Repr(JsonValue.Create(key)));
}
