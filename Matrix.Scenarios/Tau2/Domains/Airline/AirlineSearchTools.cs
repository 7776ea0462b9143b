using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Python;

namespace Matrix.Scenarios.Tau2.Domains.Airline;

/// <summary>
/// The airline tools that search: the fixed airport list of <c>list_all_airports</c>, and the direct and one-stop
/// flight searches, which only read the database.
/// </summary>
internal static partial class AirlineTools
{
    /// <summary>What <c>list_all_airports</c> returns: tau2 lists these 20 fixed airports, not the database's.</summary>
    private static readonly (string Iata, string City)[] Airports =
    [
        ("SFO", "San Francisco"), ("JFK", "New York"), ("LAX", "Los Angeles"), ("ORD", "Chicago"), ("DFW", "Dallas"),
        ("DEN", "Denver"), ("SEA", "Seattle"), ("ATL", "Atlanta"), ("MIA", "Miami"), ("BOS", "Boston"),
        ("PHX", "Phoenix"), ("IAH", "Houston"), ("LAS", "Las Vegas"), ("MCO", "Orlando"), ("EWR", "Newark"),
        ("CLT", "Charlotte"), ("MSP", "Minneapolis"), ("DTW", "Detroit"), ("PHL", "Philadelphia"), ("LGA", "LaGuardia"),
    ];

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

    /// <summary>Python's <c>int(text)</c> for the day of a date.</summary>
    private static int PyInt(string text) =>
        int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ToolException($"invalid literal for int() with base 10: {PyRepr.Repr(JsonValue.Create(text))}");
}
