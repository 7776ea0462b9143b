using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Domains.Airline;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Json;
using Matrix.Scenarios.Tau2.Reward;
using Matrix.Tests.Support;

namespace Matrix.Tests.Scenarios.Tau2;

[TestClass]
public sealed class AirlineDomainTests
{
    /// <summary>
    /// Airline tasks an oracle replaying the gold actions cannot bring to 1.0 with this data, each with the reason.
    /// None today: with tau-bench's flights/reservations/users every gold action of the 50 tasks succeeds (prices,
    /// balances and seats agree with what the gold payments expect) and no communicate_info holds a comma. A task
    /// would belong here if tau-bench's database differed from tau2's own db.json where a gold action depends on it
    /// (its book_reservation or update_* call would fail), or if its communicate_info held a comma (tau2 strips
    /// commas from the message only, so COMMUNICATE can never match).
    /// </summary>
    private static readonly Dictionary<string, string> Exceptions = new(StringComparer.Ordinal);

    private static Tau2Domain? _domain;

    private static Tau2Domain Domain => _domain ??= Tau2Domain.Load(AirlineDomain.Instance, Tau2Data.Folder("airline"));

    /// <summary>
    /// Every task reaches 1.0 and none of its gold actions fails: a failing state-changing gold action leaves the
    /// gold database incomplete, which the reward does not count against the task, so it is checked separately.
    /// </summary>
    [TestMethod]
    public void OracleReachesFullRewardOnEveryAirlineTaskWhereTheDataAgrees()
    {
        Assert.AreEqual(50, Domain.Tasks.Count);
        var before = SharedTables();
        var problems = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var task in Domain.Tasks)
        {
            var notes = new List<string>();
            var (trajectory, reward) = OfflineOracle.Run(Domain, task);
            notes.AddRange(trajectory.Where(m => m.Role == "tool" && m.Content!.StartsWith("Error: ", StringComparison.Ordinal)).Select(m => $"gold action failed: {m.Content}"));
            if (reward.Total != 1.0)
            {
                notes.Add($"reward {reward.Total}: {string.Join("; ", reward.Notes)}");
            }

            if (notes.Count > 0)
            {
                problems[task.Id] = notes;
            }
        }

        var report = string.Join("\n", problems.Select(p => $"{p.Key}: {string.Join(" | ", p.Value)}"));
        CollectionAssert.AreEquivalent(Exceptions.Keys.ToList(), problems.Keys.ToList(), report);
        Assert.AreEqual(50 - Exceptions.Count, Domain.Tasks.Count(t => !problems.ContainsKey(t.Id)));

        // The tasks' bookings, cancellations and changes stayed in their own overlays.
        Assert.AreEqual(before, SharedTables());
    }

    [TestMethod]
    public void TheFolderIsRecognizedAsAirline()
    {
        Assert.IsTrue(AirlineDomain.Instance.Recognizes(Tau2Data.Folder("airline")));
        Assert.IsFalse(AirlineDomain.Instance.Recognizes(Tau2Data.Folder("mock")));
        Assert.AreSame(AirlineDomain.Instance, Tau2Domains.Resolve(Tau2Data.Folder("airline"), null));
        Assert.AreSame(AirlineDomain.Instance, Tau2Domains.Find("airline"));
    }

    /// <summary>tau2's own db.json (users with user_id) loads too, normalized to the model: field order, null optionals, floats.</summary>
    [TestMethod]
    public void ATau2DbJsonFolderLoadsAsTheModelDumpsIt()
    {
        var folder = Path.Combine(Path.GetTempPath(), "airline-dbjson-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "db.json"), """
                {"flights": {"HAT900": {"flight_number": "HAT900", "origin": "JFK", "destination": "SEA",
                    "scheduled_departure_time_est": "23:00:00", "scheduled_arrival_time_est": "05:00:00+1",
                    "dates": {"2024-05-20": {"prices": {"economy": 100}, "available_seats": {"economy": 9}, "status": "available"},
                              "2024-05-21": {"status": "cancelled"}}}},
                 "users": {"ann_lee_1": {"user_id": "ann_lee_1", "email": "a@example.com", "name": {"last_name": "Lee", "first_name": "Ann"},
                    "address": {"address1": "1 Main St", "city": "Austin", "country": "USA", "state": "TX", "zip": "78750"},
                    "dob": "1990-01-01", "payment_methods": {"gift_card_1": {"amount": 50, "id": "gift_card_1", "source": "gift_card"}},
                    "saved_passengers": [], "membership": "gold", "reservations": ["ABC123"], "nickname": "extra fields are dropped"}},
                 "reservations": {"ABC123": {"reservation_id": "ABC123", "user_id": "ann_lee_1", "origin": "JFK", "destination": "SEA",
                    "flight_type": "one_way", "cabin": "economy",
                    "flights": [{"origin": "JFK", "destination": "SEA", "flight_number": "HAT900", "date": "2024-05-20", "price": 100}],
                    "passengers": [{"first_name": "Ann", "last_name": "Lee", "dob": "1990-01-01"}],
                    "payment_history": [{"payment_id": "gift_card_1", "amount": 100}], "created_at": "2024-05-01T10:00:00",
                    "total_baggages": 0, "nonfree_baggages": 0, "insurance": "no", "status": "cancelled"}}}
                """);
            File.WriteAllText(Path.Combine(folder, "policy.md"), "# Airline policy");
            File.WriteAllText(Path.Combine(folder, "tasks.json"), "[]");
            Assert.IsTrue(AirlineDomain.Instance.Recognizes(folder));
            var env = Tau2Domain.Load(AirlineDomain.Instance, folder).NewEnvironment();
            Assert.AreEqual(
                """{"user_id": "ann_lee_1", "name": {"first_name": "Ann", "last_name": "Lee"}, "address": {"address1": "1 Main St", "address2": null, "city": "Austin", "country": "USA", "state": "TX", "zip": "78750"}, "email": "a@example.com", "dob": "1990-01-01", "payment_methods": {"gift_card_1": {"source": "gift_card", "id": "gift_card_1", "amount": 50.0}}, "saved_passengers": [], "membership": "gold", "reservations": ["ABC123"]}""",
                Call(env, "get_user_details", """{"user_id": "ann_lee_1"}"""));
            StringAssert.Contains(Call(env, "get_reservation_details", """{"reservation_id": "ABC123"}"""), """[{"flight_number": "HAT900", "origin": "JFK", "destination": "SEA", "date": "2024-05-20", "price": 100}]""");
            Assert.AreEqual("cancelled", Call(env, "get_flight_status", """{"flight_number": "HAT900", "date": "2024-05-21"}"""));
            Assert.AreEqual(
                """[{"flight_number": "HAT900", "origin": "JFK", "destination": "SEA", "status": "available", "scheduled_departure_time_est": "23:00:00", "scheduled_arrival_time_est": "05:00:00+1", "date": null, "available_seats": {"economy": 9}, "prices": {"economy": 100}}]""",
                Call(env, "search_direct_flight", """{"origin": "JFK", "destination": "SEA", "date": "2024-05-20"}"""));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The expected texts are tool messages from tau2-bench's own airline runs, byte for byte.</summary>
    [TestMethod]
    public void ToolMessagesAreWhatTau2BenchSends()
    {
        var env = Domain.NewEnvironment();
        Assert.AreEqual(
            """{"user_id": "mia_li_3668", "name": {"first_name": "Mia", "last_name": "Li"}, "address": {"address1": "975 Sunset Drive", "address2": "Suite 217", "city": "Austin", "country": "USA", "state": "TX", "zip": "78750"}, "email": "mia.li3818@example.com", "dob": "1990-04-05", "payment_methods": {"credit_card_4421486": {"source": "credit_card", "id": "credit_card_4421486", "brand": "visa", "last_four": "7447"}, "certificate_4856383": {"source": "certificate", "id": "certificate_4856383", "amount": 100.0}, "certificate_7504069": {"source": "certificate", "id": "certificate_7504069", "amount": 250.0}, "credit_card_1955700": {"source": "credit_card", "id": "credit_card_1955700", "brand": "visa", "last_four": "1907"}}, "saved_passengers": [{"first_name": "Amelia", "last_name": "Ahmed", "dob": "1957-03-21"}], "membership": "gold", "reservations": ["NO6JO3", "AIXC49", "HKEG34"]}""",
            Call(env, "get_user_details", """{"user_id": "mia_li_3668"}"""));
        Assert.AreEqual(
            """{"reservation_id": "PEP4E0", "user_id": "sophia_taylor_9065", "origin": "CLT", "destination": "PHX", "flight_type": "one_way", "cabin": "basic_economy", "flights": [{"flight_number": "HAT176", "origin": "CLT", "destination": "DTW", "date": "2024-05-20", "price": 51}, {"flight_number": "HAT097", "origin": "DTW", "destination": "PHX", "date": "2024-05-20", "price": 77}], "passengers": [{"first_name": "Sophia", "last_name": "Taylor", "dob": "1999-05-27"}], "payment_history": [{"payment_id": "credit_card_9302073", "amount": 128}], "created_at": "2024-05-05T05:10:43", "total_baggages": 0, "nonfree_baggages": 0, "insurance": "no", "status": null}""",
            Call(env, "get_reservation_details", """{"reservation_id": "PEP4E0"}"""));
        Assert.AreEqual(
            """[{"flight_number": "HAT069", "origin": "JFK", "destination": "SEA", "status": "available", "scheduled_departure_time_est": "06:00:00", "scheduled_arrival_time_est": "12:00:00", "date": null, "available_seats": {"basic_economy": 17, "economy": 12, "business": 3}, "prices": {"basic_economy": 51, "economy": 121, "business": 239}}, {"flight_number": "HAT083", "origin": "JFK", "destination": "SEA", "status": "available", "scheduled_departure_time_est": "01:00:00", "scheduled_arrival_time_est": "07:00:00", "date": null, "available_seats": {"basic_economy": 16, "economy": 7, "business": 3}, "prices": {"basic_economy": 87, "economy": 100, "business": 276}}]""",
            Call(env, "search_direct_flight", """{"origin": "JFK", "destination": "SEA", "date": "2024-05-20"}"""));

        var missing = env.Call("assistant", "get_user_details", """{"user_id": "nobody_1"}""");
        Assert.IsTrue(missing.IsError);
        Assert.AreEqual("Error: User nobody_1 not found", missing.Content);
        Assert.AreEqual("Error: Reservation ZZZZZZ not found", env.Call("assistant", "cancel_reservation", """{"reservation_id": "ZZZZZZ"}""").Content);
        Assert.AreEqual("Error: Flight HAT001 not found on date 2024-06-30", env.Call("assistant", "get_flight_status", """{"flight_number": "HAT001", "date": "2024-06-30"}""").Content);
        Assert.AreEqual("landed", Call(env, "get_flight_status", """{"flight_number": "HAT001", "date": "2024-05-01"}"""));
        Assert.AreEqual("Transfer successful", Call(env, "transfer_to_human_agents", """{"summary": "wants a human"}"""));
        StringAssert.StartsWith(Call(env, "list_all_airports", "{}"), """[{"iata": "SFO", "city": "San Francisco"}, {"iata": "JFK", "city": "New York"}""");
    }

    [TestMethod]
    public void WritesGiveTau2BenchResultsAndStayInTheTask()
    {
        var env = Domain.NewEnvironment();
        var booked = Call(env, "book_reservation", """
            {"user_id": "mia_li_3668", "origin": "JFK", "destination": "SEA", "flight_type": "one_way", "cabin": "economy",
             "flights": [{"flight_number": "HAT069", "date": "2024-05-20"}],
             "passengers": [{"first_name": "Mia", "last_name": "Li", "dob": "1990-04-05"}],
             "payment_methods": [{"payment_id": "certificate_4856383", "amount": 100}, {"payment_id": "credit_card_4421486", "amount": 71}],
             "total_baggages": 1, "nonfree_baggages": 1, "insurance": "no"}
            """);
        Assert.AreEqual(
            """{"reservation_id": "HATHAT", "user_id": "mia_li_3668", "origin": "JFK", "destination": "SEA", "flight_type": "one_way", "cabin": "economy", "flights": [{"flight_number": "HAT069", "origin": "JFK", "destination": "SEA", "date": "2024-05-20", "price": 121}], "passengers": [{"first_name": "Mia", "last_name": "Li", "dob": "1990-04-05"}], "payment_history": [{"payment_id": "certificate_4856383", "amount": 100}, {"payment_id": "credit_card_4421486", "amount": 71}], "created_at": "2024-05-15T15:00:00", "total_baggages": 1, "nonfree_baggages": 1, "insurance": "no", "status": null}""",
            booked);

        // The certificate is used up, the seat taken, the reservation listed; a second booking gets the next id.
        var user = Call(env, "get_user_details", """{"user_id": "mia_li_3668"}""");
        Assert.IsFalse(user.Contains("certificate_4856383", StringComparison.Ordinal));
        StringAssert.EndsWith(user, "\"reservations\": [\"NO6JO3\", \"AIXC49\", \"HKEG34\", \"HATHAT\"]}");
        StringAssert.Contains(Call(env, "search_direct_flight", """{"origin": "JFK", "destination": "SEA", "date": "2024-05-20"}"""), "\"available_seats\": {\"basic_economy\": 17, \"economy\": 11, \"business\": 3}");

        Assert.AreEqual(
            "Certificate certificate_3221322 added to user mia_li_3668 with amount 150.",
            Call(env, "send_certificate", """{"user_id": "mia_li_3668", "amount": 150}"""));
        StringAssert.Contains(Call(env, "get_user_details", """{"user_id": "mia_li_3668"}"""), "\"certificate_3221322\": {\"source\": \"certificate\", \"id\": \"certificate_3221322\", \"amount\": 150.0}");

        var cancelled = Call(env, "cancel_reservation", """{"reservation_id": "HATHAT"}""");
        StringAssert.EndsWith(cancelled, "\"payment_history\": [{\"payment_id\": \"certificate_4856383\", \"amount\": 100}, {\"payment_id\": \"credit_card_4421486\", \"amount\": 71}, {\"payment_id\": \"certificate_4856383\", \"amount\": -100}, {\"payment_id\": \"credit_card_4421486\", \"amount\": -71}], \"created_at\": \"2024-05-15T15:00:00\", \"total_baggages\": 1, \"nonfree_baggages\": 1, \"insurance\": \"no\", \"status\": \"cancelled\"}");

        // Nothing of it reached the shared database: a fresh environment sees the data as loaded.
        var fresh = Domain.NewEnvironment();
        Assert.AreEqual("Error: Reservation HATHAT not found", fresh.Call("assistant", "get_reservation_details", """{"reservation_id": "HATHAT"}""").Content);
        StringAssert.Contains(Call(fresh, "get_user_details", """{"user_id": "mia_li_3668"}"""), "\"certificate_4856383\": {\"source\": \"certificate\", \"id\": \"certificate_4856383\", \"amount\": 100.0}");
        StringAssert.Contains(Call(fresh, "search_direct_flight", """{"origin": "JFK", "destination": "SEA", "date": "2024-05-20"}"""), "\"available_seats\": {\"basic_economy\": 17, \"economy\": 12, \"business\": 3}");
        Assert.IsNull(Domain.AgentDb.Find("reservations", "HATHAT"));
    }

    [TestMethod]
    public void GiftCardBalancesFollowPythonFloatArithmetic()
    {
        var env = Domain.NewEnvironment();

        // FQ8APE's owner pays extra bags with gift_card_8190333; the balance stays a float.
        var before = Balance(env, "omar_rossi_1241", "gift_card_8190333");
        Call(env, "update_reservation_baggages", """{"reservation_id": "FQ8APE", "total_baggages": 5, "nonfree_baggages": 2, "payment_id": "gift_card_8190333"}""");
        Assert.AreEqual(before - 100, Balance(env, "omar_rossi_1241", "gift_card_8190333"));
        Assert.AreEqual(
            "Error: Certificate cannot be used to update reservation",
            env.Call("assistant", "update_reservation_baggages", """{"reservation_id": "NO6JO3", "total_baggages": 3, "nonfree_baggages": 1, "payment_id": "certificate_4856383"}""").Content);
        Assert.AreEqual(
            "Error: Payment method not found",
            env.Call("assistant", "update_reservation_baggages", """{"reservation_id": "NO6JO3", "total_baggages": 3, "nonfree_baggages": 1, "payment_id": "gift_card_0"}""").Content);
    }

    [TestMethod]
    public void WrongArgumentsAndUnknownToolsAreToolErrors()
    {
        var env = Domain.NewEnvironment();
        Assert.AreEqual("Error: Tool 'delete_reservation' not found.", env.Call("assistant", "delete_reservation", """{"reservation_id": "PEP4E0"}""").Content);
        Assert.AreEqual(
            "Error: AirlineTools.get_reservation_details() missing 1 required positional argument: 'reservation_id'",
            env.Call("assistant", "get_reservation_details", "{}").Content);
        Assert.AreEqual(
            "Error: AirlineTools.get_user_details() got an unexpected keyword argument 'name'",
            env.Call("assistant", "get_user_details", """{"user_id": "mia_li_3668", "name": "Mia"}""").Content);
        Assert.IsTrue(env.Call("assistant", "get_user_details", "not json").IsError);
        Assert.IsTrue(env.Call("assistant", "get_user_details", """{"user_id": 5}""").IsError);

        var book = """
            {"user_id": "mia_li_3668", "origin": "JFK", "destination": "SEA", "flight_type": "one_way", "cabin": "economy",
             "flights": [{"flight_number": "HAT069", "date": "2024-05-20"}],
             "passengers": [{"first_name": "Mia", "last_name": "Li", "dob": "1990-04-05"}],
             "payment_methods": [{"payment_id": "credit_card_4421486", "amount": 100}],
             "total_baggages": 0, "nonfree_baggages": 0, "insurance": "no"}
            """;
        Assert.AreEqual(
            "Error: Payment amount does not add up, total price is 121, but paid 100",
            env.Call("assistant", "book_reservation", book).Content);
        Assert.AreEqual(
            "Error: Flight HAT001 not available on date 2024-05-03",
            env.Call("assistant", "book_reservation", book.Replace("\"HAT069\", \"date\": \"2024-05-20\"", "\"HAT001\", \"date\": \"2024-05-03\"", StringComparison.Ordinal)).Content);
        Assert.AreEqual(
            "Error: 1 validation error for Reservation\ncabin\n  Input should be 'business', 'economy' or 'basic_economy' [type=literal_error, input_value='first', input_type=str]\n    For further information visit https://errors.pydantic.dev/2.11/v/literal_error",
            env.Call("assistant", "book_reservation", book.Replace("\"economy\"", "\"first\"", StringComparison.Ordinal)).Content);
        Assert.AreEqual(
            "Error: 1 validation error for Passenger\ndob\n  Field required [type=missing, input_value={'first_name': 'Mia', 'last_name': 'Li'}, input_type=dict]\n    For further information visit https://errors.pydantic.dev/2.11/v/missing",
            env.Call("assistant", "book_reservation", book.Replace(", \"dob\": \"1990-04-05\"", string.Empty, StringComparison.Ordinal)).Content);
        Assert.AreEqual(
            "Error: Number of passengers does not match",
            env.Call("assistant", "update_reservation_passengers", """{"reservation_id": "PEP4E0", "passengers": []}""").Content);

        // None of the failed calls changed anything.
        Assert.AreEqual(0, env.Agent.Export().Count);
    }



    private static string SharedTables() =>
        string.Join("\n", Domain.AgentDb.Tables.Select(t => PyJson.Dumps(Domain.AgentDb.Table(t))));

    private static string Call(Tau2Environment env, string tool, string args)
    {
        var outcome = env.Call("assistant", tool, args);
        Assert.IsFalse(outcome.IsError, outcome.Content);
        return outcome.Content;
    }

    private static double Balance(Tau2Environment env, string user, string method) =>
        env.Agent.Find("users", user)!["payment_methods"]![method]!["amount"]!.GetValue<double>();
}
