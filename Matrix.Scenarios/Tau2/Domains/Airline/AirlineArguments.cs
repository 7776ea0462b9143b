using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Python;

namespace Matrix.Scenarios.Tau2.Domains.Airline;

/// <summary>
/// The airline tools' list arguments as tau2 reads them: it builds <c>FlightInfo</c>, <c>Passenger</c> and
/// <c>Payment</c> models from the dicts, validated one by one before the tool runs.
/// </summary>
internal static partial class AirlineTools
{
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
}
