using System.Text.Json.Nodes;
using Matrix.Engine.Scenarios;
using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Domains.Airline;

/// <summary>
/// tau2-bench's airline domain (<c>src/tau2/domains/airline/</c>): flights, users and reservations of a fictional
/// airline. The database is tau2's <c>FlightDB</c>: either tau2's own <c>db.json</c> or, as tau-bench ships it, the
/// three files <c>flights.json</c>, <c>reservations.json</c> and <c>users.json</c> (whose users lack <c>user_id</c>,
/// their key). Either way it is normalized to what tau2's pydantic model would dump (see <see cref="AirlineModel"/>).
/// </summary>
internal sealed class AirlineDomain : Tau2DomainDefinition
{
    // Before Instance: static fields initialize in order.
    private static readonly string[] TableFiles = ["flights.json", "reservations.json", "users.json"];
    private static readonly string[] Tables = ["flights", "reservations", "users"];

    public static readonly AirlineDomain Instance = new();

    private AirlineDomain()
    {
        AssistantTools = AirlineTools.Build();
    }

    public override string Name => "airline";

    public override ToolKit AssistantTools { get; }

    /// <summary>tau-bench's three table files, or a <c>db.json</c> whose top level has the three tables.</summary>
    public override bool Recognizes(string folder) =>
        TableFiles.All(f => File.Exists(Path.Combine(folder, f))) || (DbJsonKeys(folder) is { } keys && Tables.All(keys.ContainsKey));

    public override JsonObject LoadDatabase(string folder)
    {
        JsonObject flights, reservations, users;
        if (TableFiles.All(f => File.Exists(Path.Combine(folder, f))))
        {
            flights = ReadObject(folder, "flights.json");
            reservations = ReadObject(folder, "reservations.json");
            users = ReadObject(folder, "users.json");
        }
        else if (File.Exists(Path.Combine(folder, "db.json")))
        {
            var db = ReadObject(folder, "db.json");
            flights = Table(db, "flights");
            reservations = Table(db, "reservations");
            users = Table(db, "users");
        }
        else
        {
            throw new InputException($"tau2 airline folder '{folder}' has neither flights.json, reservations.json and users.json nor db.json");
        }

        // FlightDB's declared order: flights, users, reservations.
        return new JsonObject
        {
            ["flights"] = Normalize(flights, AirlineModel.Flight),
            ["users"] = Normalize(users, AirlineModel.User),
            ["reservations"] = Normalize(reservations, AirlineModel.Reservation),
        };
    }

    private static JsonObject Table(JsonObject db, string name) =>
        db[name] as JsonObject ?? throw new InputException($"the airline db.json has no '{name}' object");

    private static JsonObject Normalize(JsonObject table, Func<string, JsonObject, JsonObject> model)
    {
        var result = new JsonObject();
        foreach (var (key, value) in table)
        {
            result[key] = model(key, value as JsonObject ?? throw new InputException($"airline entry '{key}' is not an object"));
        }

        return result;
    }
}
