using System.Text.Json;
using System.Text.Json.Nodes;
using Matrix.Engine.Scenarios;
using Matrix.Scenarios.Tau2.Json;

namespace Matrix.Scenarios.Tau2.Domains.Airline;

/// <summary>
/// tau2-bench's airline data model (<c>src/tau2/domains/airline/data_model.py</c>) as a normalization of the loaded
/// JSON: every entity is rebuilt with its fields in the pydantic model's declared order, optional fields present
/// (null when absent), unknown fields dropped (pydantic ignores extras), <c>float</c> fields as floats (a gift card's
/// <c>amount</c> of 100 dumps as <c>100.0</c>) and <c>int</c> fields as ints. So the tool messages and the database
/// compare byte for byte with what tau2-bench's <c>model_dump</c> gives.
/// </summary>
internal static class AirlineModel
{
    /// <summary>tau2's <c>CabinClass</c> literal.</summary>
    public static readonly string[] CabinClasses = ["business", "economy", "basic_economy"];

    /// <summary>tau2's <c>FlightType</c> literal.</summary>
    public static readonly string[] FlightTypes = ["round_trip", "one_way"];

    /// <summary>tau2's <c>Insurance</c> literal.</summary>
    public static readonly string[] InsuranceValues = ["yes", "no"];

    /// <summary><c>Flight</c>: flight_number, origin, destination, scheduled times, dates (a union on <c>status</c>).</summary>
    public static JsonObject Flight(string key, JsonObject src)
    {
        var f = new Source(src, $"flights.{key}");
        var dates = new JsonObject();
        foreach (var (date, status) in f.Object("dates"))
        {
            dates[date] = FlightDate(new Source(status as JsonObject ?? throw f.Error($"dates.{date} is not an object"), $"flights.{key}.dates.{date}"));
        }

        return new JsonObject
        {
            ["flight_number"] = f.String("flight_number"),
            ["origin"] = f.String("origin"),
            ["destination"] = f.String("destination"),
            ["scheduled_departure_time_est"] = f.String("scheduled_departure_time_est"),
            ["scheduled_arrival_time_est"] = f.String("scheduled_arrival_time_est"),
            ["dates"] = dates,
        };
    }

    /// <summary><c>User</c>; <paramref name="key"/> becomes <c>user_id</c> when the entry lacks it (tau-bench's users.json).</summary>
    public static JsonObject User(string key, JsonObject src)
    {
        var u = new Source(src, $"users.{key}");
        var name = u.Nested("name");
        var address = u.Nested("address");
        var methods = new JsonObject();
        foreach (var (id, method) in u.Object("payment_methods"))
        {
            methods[id] = PaymentMethod(new Source(method as JsonObject ?? throw u.Error($"payment_methods.{id} is not an object"), $"users.{key}.payment_methods.{id}"));
        }

        return new JsonObject
        {
            ["user_id"] = src.ContainsKey("user_id") ? u.String("user_id") : key,
            ["name"] = new JsonObject { ["first_name"] = name.String("first_name"), ["last_name"] = name.String("last_name") },
            ["address"] = new JsonObject
            {
                ["address1"] = address.String("address1"),
                ["address2"] = address.OptionalString("address2"),
                ["city"] = address.String("city"),
                ["country"] = address.String("country"),
                ["state"] = address.String("state"),
                ["zip"] = address.String("zip"),
            },
            ["email"] = u.String("email"),
            ["dob"] = u.String("dob"),
            ["payment_methods"] = methods,
            ["saved_passengers"] = new JsonArray(u.Objects("saved_passengers").Select(p => (JsonNode)Passenger(p)).ToArray()),
            ["membership"] = u.String("membership"),
            ["reservations"] = new JsonArray(u.Array("reservations").Select((r, i) => (JsonNode)u.Item(r, $"reservations.{i}")).ToArray()),
        };
    }

    /// <summary><c>Reservation</c>; <c>status</c> is <c>Optional[Literal["cancelled"]]</c>, null when absent.</summary>
    public static JsonObject Reservation(string key, JsonObject src)
    {
        var r = new Source(src, $"reservations.{key}");
        return new JsonObject
        {
            ["reservation_id"] = r.String("reservation_id"),
            ["user_id"] = r.String("user_id"),
            ["origin"] = r.String("origin"),
            ["destination"] = r.String("destination"),
            ["flight_type"] = r.String("flight_type"),
            ["cabin"] = r.String("cabin"),
            ["flights"] = new JsonArray(r.Objects("flights").Select(f => (JsonNode)ReservationFlight(f)).ToArray()),
            ["passengers"] = new JsonArray(r.Objects("passengers").Select(p => (JsonNode)Passenger(p)).ToArray()),
            ["payment_history"] = new JsonArray(r.Objects("payment_history").Select(p => (JsonNode)Payment(p.String("payment_id"), p.Int("amount"))).ToArray()),
            ["created_at"] = r.String("created_at"),
            ["total_baggages"] = r.Int("total_baggages"),
            ["nonfree_baggages"] = r.Int("nonfree_baggages"),
            ["insurance"] = r.String("insurance"),
            ["status"] = r.OptionalString("status"),
        };
    }

    /// <summary><c>ReservationFlight</c>: FlightBase's fields first (flight_number, origin, destination), then date and price.</summary>
    public static JsonObject ReservationFlight(string flightNumber, string origin, string destination, string date, long price) => new()
    {
        ["flight_number"] = flightNumber,
        ["origin"] = origin,
        ["destination"] = destination,
        ["date"] = date,
        ["price"] = price,
    };

    public static JsonObject PassengerObject(string firstName, string lastName, string dob) => new()
    {
        ["first_name"] = firstName,
        ["last_name"] = lastName,
        ["dob"] = dob,
    };

    public static JsonObject Payment(string paymentId, long amount) => new() { ["payment_id"] = paymentId, ["amount"] = amount };

    /// <summary><c>Certificate</c>: PaymentMethodBase's source and id, then the float amount.</summary>
    public static JsonObject Certificate(string id, double amount) => new() { ["source"] = "certificate", ["id"] = id, ["amount"] = amount };

    private static JsonObject FlightDate(Source d)
    {
        var status = d.String("status");
        return status switch
        {
            "available" => new JsonObject
            {
                ["status"] = status,
                ["available_seats"] = CabinInts(d, "available_seats"),
                ["prices"] = CabinInts(d, "prices"),
            },
            "landed" => Times(status, d, "actual_departure_time_est", "actual_arrival_time_est"),
            "cancelled" => new JsonObject { ["status"] = status },
            "delayed" or "on time" => Times(status, d, "estimated_departure_time_est", "estimated_arrival_time_est"),
            "flying" => Times(status, d, "actual_departure_time_est", "estimated_arrival_time_est"),
            _ => throw d.Error($"unknown flight status '{status}'"),
        };
    }

    private static JsonObject Times(string status, Source d, string departure, string arrival) => new()
    {
        ["status"] = status,
        [departure] = d.String(departure),
        [arrival] = d.String(arrival),
    };

    private static JsonObject CabinInts(Source d, string field)
    {
        var result = new JsonObject();
        foreach (var (cabin, value) in d.Object(field))
        {
            result[cabin] = d.Item(value, $"{field}.{cabin}", integer: true);
        }

        return result;
    }

    private static JsonObject PaymentMethod(Source p)
    {
        var source = p.String("source");
        return source switch
        {
            "credit_card" => new JsonObject { ["source"] = source, ["id"] = p.String("id"), ["brand"] = p.String("brand"), ["last_four"] = p.String("last_four") },
            "gift_card" or "certificate" => new JsonObject { ["source"] = source, ["id"] = p.String("id"), ["amount"] = p.Float("amount") },
            _ => throw p.Error($"unknown payment method source '{source}'"),
        };
    }

    private static JsonObject Passenger(Source p) => PassengerObject(p.String("first_name"), p.String("last_name"), p.String("dob"));

    private static JsonObject ReservationFlight(Source f) =>
        ReservationFlight(f.String("flight_number"), f.String("origin"), f.String("destination"), f.String("date"), f.Int("price"));

    /// <summary>Typed reads of one source object, with errors naming the entity and field.</summary>
    private readonly struct Source(JsonObject obj, string where)
    {
        public string String(string name) => Str(Required(name), name);

        public string? OptionalString(string name) =>
            obj.TryGetPropertyValue(name, out var v) && v is not null && v.GetValueKind() != JsonValueKind.Null ? Str(v, name) : null;

        public long Int(string name) => JsonValues.Integer(Required(name)) ?? throw Error($"'{name}' must be an integer");

        public double Float(string name) => JsonValues.Number(Required(name)) ?? throw Error($"'{name}' must be a number");

        public JsonObject Object(string name) => Required(name) as JsonObject ?? throw Error($"'{name}' must be an object");

        public JsonArray Array(string name) => Required(name) as JsonArray ?? throw Error($"'{name}' must be a list");

        public Source Nested(string name) => new(Object(name), $"{where}.{name}");

        public IEnumerable<Source> Objects(string name)
        {
            var list = Array(name);
            var result = new List<Source>(list.Count);
            for (var i = 0; i < list.Count; i++)
            {
                result.Add(new Source(list[i] as JsonObject ?? throw Error($"{name}.{i} must be an object"), $"{where}.{name}.{i}"));
            }

            return result;
        }

        /// <summary>A scalar element of a list or dict: a string, or (with <paramref name="integer"/>) an int.</summary>
        public JsonNode Item(JsonNode? value, string name, bool integer = false) =>
            integer ? JsonValue.Create(JsonValues.Integer(value) ?? throw Error($"'{name}' must be an integer")) : JsonValue.Create(Str(value, name));

        public InputException Error(string message) => new($"airline database: {where}: {message}");

        private JsonNode Required(string name) =>
            obj.TryGetPropertyValue(name, out var v) && v is not null ? v : throw Error($"missing required field '{name}'");

        private string Str(JsonNode? v, string name) =>
            v is JsonValue s && s.GetValueKind() == JsonValueKind.String ? s.GetValue<string>() : throw Error($"'{name}' must be a string");
    }
}
