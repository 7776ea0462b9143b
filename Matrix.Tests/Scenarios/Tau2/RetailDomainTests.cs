using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Domains.Retail;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Json;
using Matrix.Scenarios.Tau2.Reward;
using Matrix.Tests.Support;

namespace Matrix.Tests.Scenarios.Tau2;

[TestClass]
public sealed class RetailDomainTests
{
    /// <summary>
    /// The gold actions that fail in tau2-bench itself (its own tools give these errors on them; checked against a
    /// transliteration of tau2's tools.py run on the same data): lookups of things that do not exist, and two writes
    /// that the policy forbids on purpose. Every other gold action must succeed.
    /// </summary>
    private static readonly Dictionary<string, string> FailingGoldActions = new()
    {
        ["2_1"] = "Error: Product not found",
        ["3_1"] = "Error: Product not found",
        ["4_1"] = "Error: Product not found",
        ["35_0"] = "Error: User not found",
        ["37_0"] = "Error: User not found",
        ["38_0"] = "Error: User not found",
        ["39_0"] = "Error: User not found",
        ["46_1"] = "Error: Order not found",
        ["46_2"] = "Error: Order not found",
        ["47_1"] = "Error: Order not found",
        ["47_2"] = "Error: Order not found",
        ["54_0"] = "Error: User not found",
        ["55_0"] = "Error: User not found",
        ["64_6"] = "Error: Non-delivered order cannot be exchanged",
        ["67_0"] = "Error: User not found",
        ["67_1"] = "Error: User not found",
        ["68_0"] = "Error: User not found",
        ["106_0"] = "Error: Insufficient gift card balance to pay for the price difference",
    };

    private static readonly Lazy<Tau2Domain> Domain = new(() => Tau2Domain.Load(RetailDomain.Instance, Tau2Data.Folder("retail")));

    [TestMethod]
    public void OracleReachesFullRewardOnEveryRetailTask()
    {
        var domain = Domain.Value;
        Assert.AreEqual(114, domain.Tasks.Count);
        foreach (var task in domain.Tasks)
        {
            var (_, reward) = OfflineOracle.Run(domain, task);
            Assert.AreEqual(1.0, reward.Total, $"task {task.Id}: {string.Join("; ", reward.Notes)}");
        }
    }

    [TestMethod]
    public void GoldActionsFailExactlyWhereTheyFailInTau2Bench()
    {
        // The reward alone would not notice a gold write that fails here but not in tau2 (the gold database is then
        // left unjudged), so each gold action's outcome is checked too.
        var domain = Domain.Value;
        var failures = new Dictionary<string, string>();
        foreach (var task in domain.Tasks)
        {
            var env = domain.NewEnvironment();
            env.Initialize(task);
            foreach (var action in task.Actions)
            {
                var outcome = env.Call(action.Requestor, action.Name, action.Arguments.ToJsonString());
                Assert.AreEqual(outcome.IsError, outcome.Content.StartsWith("Error: ", StringComparison.Ordinal), outcome.Content);
                if (outcome.IsError)
                {
                    failures[action.ActionId] = outcome.Content;
                }
            }
        }

        CollectionAssert.AreEquivalent(FailingGoldActions.ToList(), failures.ToList(), string.Join("\n", failures.Select(f => $"{f.Key}: {f.Value}")));
    }

    [TestMethod]
    public void TheDomainIsRegisteredAndRecognizedByItsFiles()
    {
        var folder = Tau2Data.Folder("retail");
        Assert.AreSame(RetailDomain.Instance, Tau2Domains.Find("retail"));
        Assert.IsTrue(RetailDomain.Instance.Recognizes(folder));
        Assert.IsFalse(RetailDomain.Instance.Recognizes(Tau2Data.Folder("mock")));
        Assert.AreEqual("RetailTools", RetailDomain.Instance.AssistantTools.ClassName);
        CollectionAssert.AreEqual(
            new[]
            {
                "calculate", "cancel_pending_order", "exchange_delivered_order_items", "find_user_id_by_name_zip", "find_user_id_by_email",
                "get_order_details", "get_product_details", "get_item_details", "get_user_details", "list_all_product_types",
                "modify_pending_order_address", "modify_pending_order_items", "modify_pending_order_payment", "modify_user_address",
                "return_delivered_order_items", "transfer_to_human_agents",
            },
            RetailDomain.Instance.AssistantTools.Tools.Select(t => t.Name).ToArray());
        var writes = RetailDomain.Instance.AssistantTools.Tools.Where(t => t.MutatesState).Select(t => t.Name).ToList();
        CollectionAssert.AreEquivalent(
            new[]
            {
                "cancel_pending_order", "exchange_delivered_order_items", "modify_pending_order_address", "modify_pending_order_items",
                "modify_pending_order_payment", "modify_user_address", "return_delivered_order_items",
            },
            writes);
    }

    [TestMethod]
    public void TheDatabaseIsLoadedAsTau2DumpsIt()
    {
        var db = Domain.Value.NewEnvironment().Agent;
        Assert.AreEqual(50, db.Count("products"));
        Assert.AreEqual(500, db.Count("users"));
        Assert.AreEqual(1000, db.Count("orders"));

        // db.json leaves out the Optional order fields; tau2's Order model dumps them as null, in declared order.
        var order = PyJson.Dumps(db.Find("orders", "#W8341134"));
        Assert.AreEqual(
            """{"order_id": "#W8341134", "user_id": "evelyn_gonzalez_8876", "address": {"address1": "350 River Road", "address2": "Suite 544", "city": "Philadelphia", "country": "USA", "state": "PA", "zip": "19186"}, "items": [{"name": "Notebook", "product_id": "2892623495", "item_id": "7579176349", "price": 29.28, "options": {"size": "A4", "cover type": "soft cover"}}], "status": "delivered", "fulfillments": [{"tracking_id": ["424921033505"], "item_ids": ["7579176349"]}], "payment_history": [{"transaction_type": "payment", "amount": 29.28, "payment_method_id": "paypal_4191414"}], "cancel_reason": null, "exchange_items": null, "exchange_new_items": null, "exchange_payment_method_id": null, "exchange_price_difference": null, "return_items": null, "return_payment_method_id": null}""",
            order);
    }

    [TestMethod]
    public void LoadingNormalizesFieldOrderFloatsAndOptionalFields()
    {
        var folder = Path.Combine(Path.GetTempPath(), "retail-normalize-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "db.json"), """
                {"users": {"u": {"orders": [], "email": "e", "name": {"last_name": "L", "first_name": "F"}, "user_id": "u",
                  "address": {"zip": "1", "state": "S", "country": "C", "city": "c", "address2": "", "address1": "a"},
                  "payment_methods": {"g": {"balance": 50, "id": "g", "source": "gift_card"}, "p": {"id": "p", "source": "paypal", "extra": 1}}}},
                 "products": {}, "orders": {}}
                """);
            Assert.IsTrue(RetailDomain.Instance.Recognizes(folder));
            var root = RetailDomain.Instance.LoadDatabase(folder);
            Assert.AreEqual(
                """{"products": {}, "users": {"u": {"user_id": "u", "name": {"first_name": "F", "last_name": "L"}, "address": {"address1": "a", "address2": "", "city": "c", "country": "C", "state": "S", "zip": "1"}, "email": "e", "payment_methods": {"g": {"source": "gift_card", "id": "g", "balance": 50.0}, "p": {"source": "paypal", "id": "p"}}, "orders": []}}, "orders": {}}""",
                PyJson.Dumps(root));
            File.WriteAllText(Path.Combine(folder, "db.json"), """{"products": {}, "users": {}, "orders": {"#W1": {"order_id": "#W1"}}}""");
            var e = Assert.ThrowsExactly<Matrix.Engine.Scenarios.InputException>(() => RetailDomain.Instance.LoadDatabase(folder));
            StringAssert.Contains(e.Message, "orders.#W1.user_id", StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    public void ReadToolsSendWhatTau2BenchSends()
    {
        var env = Domain.Value.NewEnvironment();
        Assert.AreEqual(
            """{"user_id": "mei_kim_3337", "name": {"first_name": "Mei", "last_name": "Kim"}, "address": {"address1": "878 Highland Drive", "address2": "Suite 894", "city": "Houston", "country": "USA", "state": "TX", "zip": "77083"}, "email": "mei.kim6594@example.com", "payment_methods": {"gift_card_3505897": {"source": "gift_card", "id": "gift_card_3505897", "balance": 28.0}}, "orders": ["#W3263208"]}""",
            Call(env, "get_user_details", """{"user_id": "mei_kim_3337"}"""));
        Assert.AreEqual("Error: User not found", Call(env, "get_user_details", """{"user_id": "nobody_1"}"""));
        Assert.AreEqual("Error: Order not found", Call(env, "get_order_details", """{"order_id": "W8341134"}"""));
        Assert.AreEqual("Error: Product not found", Call(env, "get_product_details", """{"product_id": "7579176349"}"""));
        Assert.AreEqual("Error: Item not found", Call(env, "get_item_details", """{"item_id": "2892623495"}"""));
        Assert.AreEqual(
            """{"item_id": "7579176349", "options": {"size": "A4", "cover type": "soft cover"}, "available": true, "price": 29.28}""",
            Call(env, "get_item_details", """{"item_id": "7579176349"}"""));

        // A user id is a plain string; names fold case (and accents, surrounding blanks); the zip must match.
        Assert.AreEqual("mei_kim_3337", Call(env, "find_user_id_by_name_zip", """{"first_name": "MEI", "last_name": " kim ", "zip": "77083"}"""));
        Assert.AreEqual("Error: User not found", Call(env, "find_user_id_by_name_zip", """{"first_name": "Mei", "last_name": "Kim", "zip": "77084"}"""));
        Assert.AreEqual("mei_kim_3337", Call(env, "find_user_id_by_email", """{"email": "Mei.Kim6594@example.com"}"""));

        var types = Call(env, "list_all_product_types", "{}");
        StringAssert.StartsWith(types, """{"Action Camera": "3377618313", """, StringComparison.Ordinal);
        var parsed = (JsonObject)JsonNode.Parse(types)!;
        Assert.AreEqual(50, parsed.Count);
        CollectionAssert.AreEqual(parsed.Select(p => p.Key).Order(StringComparer.Ordinal).ToList(), parsed.Select(p => p.Key).ToList());
        Assert.AreEqual("Transfer successful", Call(env, "transfer_to_human_agents", """{"summary": "wants a human"}"""));
    }

    [TestMethod]
    public void OrderToolsChangeTheTaskDatabaseAsTau2BenchDoes()
    {
        var env = Domain.Value.NewEnvironment();

        // A gift-card order cancelled: refund line, and the card refunded at once (47.0 + 466.75).
        Assert.AreEqual(
            """{"order_id": "#W5267498", "user_id": "fatima_li_8519", "address": {"address1": "359 Willow Lane", "address2": "Suite 871", "city": "San Antonio", "country": "USA", "state": "TX", "zip": "78282"}, "items": [{"name": "Action Camera", "product_id": "3377618313", "item_id": "6700049080", "price": 466.75, "options": {"resolution": "4K", "waterproof": "yes", "color": "black"}}], "status": "cancelled", "fulfillments": [], "payment_history": [{"transaction_type": "payment", "amount": 466.75, "payment_method_id": "gift_card_4220746"}, {"transaction_type": "refund", "amount": 466.75, "payment_method_id": "gift_card_4220746"}], "cancel_reason": "ordered by mistake", "exchange_items": null, "exchange_new_items": null, "exchange_payment_method_id": null, "exchange_price_difference": null, "return_items": null, "return_payment_method_id": null}""",
            Call(env, "cancel_pending_order", """{"order_id": "#W5267498", "reason": "ordered by mistake"}"""));
        Assert.AreEqual("""{"source": "gift_card", "id": "gift_card_4220746", "balance": 513.75}""", PyJson.Dumps(env.Agent.Find("users", "fatima_li_8519")!["payment_methods"]!["gift_card_4220746"]));
        Assert.AreEqual("Error: Non-pending order cannot be cancelled", Call(env, "cancel_pending_order", """{"order_id": "#W5267498", "reason": "ordered by mistake"}"""));

        // An exchange: an unavailable variant is refused, then the request is recorded with the rounded difference.
        const string Exchange = """{"order_id": "#W8341134", "item_ids": ["7579176349"], "new_item_ids": ["%NEW%"], "payment_method_id": "paypal_4191414"}""";
        Assert.AreEqual("Error: New item 6574183535 not found or available", Call(env, "exchange_delivered_order_items", Exchange.Replace("%NEW%", "6574183535", StringComparison.Ordinal)));
        Assert.AreEqual(
            """{"order_id": "#W8341134", "user_id": "evelyn_gonzalez_8876", "address": {"address1": "350 River Road", "address2": "Suite 544", "city": "Philadelphia", "country": "USA", "state": "PA", "zip": "19186"}, "items": [{"name": "Notebook", "product_id": "2892623495", "item_id": "7579176349", "price": 29.28, "options": {"size": "A4", "cover type": "soft cover"}}], "status": "exchange requested", "fulfillments": [{"tracking_id": ["424921033505"], "item_ids": ["7579176349"]}], "payment_history": [{"transaction_type": "payment", "amount": 29.28, "payment_method_id": "paypal_4191414"}], "cancel_reason": null, "exchange_items": ["7579176349"], "exchange_new_items": ["1199058591"], "exchange_payment_method_id": "paypal_4191414", "exchange_price_difference": 3.01, "return_items": null, "return_payment_method_id": null}""",
            Call(env, "exchange_delivered_order_items", Exchange.Replace("%NEW%", "1199058591", StringComparison.Ordinal)));

        // Return or exchange is done once: the order is no longer delivered.
        Assert.AreEqual(
            "Error: Non-delivered order cannot be returned",
            Call(env, "return_delivered_order_items", """{"order_id": "#W8341134", "item_ids": ["7579176349"], "payment_method_id": "paypal_4191414"}"""));

        // On a fresh task: a duplicated item the order holds once is refused, a return is recorded.
        var fresh = Domain.Value.NewEnvironment();
        Assert.AreEqual(
            "Error: Some item not found",
            Call(fresh, "return_delivered_order_items", """{"order_id": "#W8341134", "item_ids": ["7579176349", "7579176349"], "payment_method_id": "paypal_4191414"}"""));
        var returned = (JsonObject)JsonNode.Parse(Call(fresh, "return_delivered_order_items", """{"order_id": "#W8341134", "item_ids": ["7579176349"], "payment_method_id": "paypal_4191414"}"""))!;
        Assert.AreEqual("return requested", returned["status"]!.GetValue<string>());
        Assert.AreEqual("""["7579176349"]""", PyJson.Dumps(returned["return_items"]));
    }

    [TestMethod]
    public void ModifyingItemsMirrorsTau2BenchIncludingItsLastVariantQuirk()
    {
        var env = Domain.Value.NewEnvironment();
        var result = (JsonObject)JsonNode.Parse(Call(
            env,
            "modify_pending_order_items",
            """{"order_id": "#W9911714", "item_ids": ["9791469541", "1340995114"], "new_item_ids": ["4107812777", "1421289881"], "payment_method_id": "gift_card_4332117"}"""))!;
        Assert.AreEqual("pending (item modified)", result["status"]!.GetValue<string>());

        // The difference is Python's unrounded float sum (0 + (155.33 - 147.05) + (268.77 - 235.13)).
        Assert.AreEqual(
            """[{"transaction_type": "payment", "amount": 671.66, "payment_method_id": "paypal_3798357"}, {"transaction_type": "payment", "amount": 41.91999999999999, "payment_method_id": "gift_card_4332117"}]""",
            PyJson.Dumps(result["payment_history"]));
        Assert.AreEqual("""{"source": "gift_card", "id": "gift_card_4332117", "balance": 44.08}""", PyJson.Dumps(env.Agent.Find("users", "ethan_garcia_1261")!["payment_methods"]!["gift_card_4332117"]));

        // tau2-bench gives every modified item the price and options of the last new variant (issues #317/#318); the
        // gold databases come from that code, so it is mirrored: the running shoes get the keyboard's price and options.
        var items = result["items"]!.AsArray().Select(i => PyJson.Dumps(new JsonArray(i!["item_id"]!.DeepClone(), i["price"]!.DeepClone(), i["options"]!.DeepClone()))).ToList();
        CollectionAssert.AreEqual(
            new[]
            {
                """["2366567022", 54.04, {"capacity": "1000ml", "material": "stainless steel", "color": "blue"}]""",
                """["1421289881", 268.77, {"switch type": "linear", "backlight": "none", "size": "80%"}]""",
                """["4107812777", 268.77, {"switch type": "linear", "backlight": "none", "size": "80%"}]""",
                """["1763705424", 235.44, {"skin tone": "dark", "kit size": "professional", "brand": "Brand C"}]""",
            },
            items);
        Assert.AreEqual("Error: Non-pending order cannot be modified", Call(env, "modify_pending_order_items", """{"order_id": "#W9911714", "item_ids": [], "new_item_ids": [], "payment_method_id": "gift_card_4332117"}"""));
    }

    [TestMethod]
    public void WrongArgumentsAndUnknownToolsAreToolErrors()
    {
        var env = Domain.Value.NewEnvironment();
        AssertError(env.Call("assistant", "delete_order", """{"order_id": "#W8341134"}"""), "Error: Tool 'delete_order' not found.");
        AssertError(env.Call("assistant", "get_order_details", "{}"), "Error: RetailTools.get_order_details() missing 1 required positional argument: 'order_id'");
        AssertError(env.Call("assistant", "get_order_details", """{"order_id": 8341134}"""), "Error: argument 'order_id' must be a string");
        AssertError(env.Call("assistant", "get_user_details", """{"user_id": "mei_kim_3337", "verbose": true}"""), "Error: RetailTools.get_user_details() got an unexpected keyword argument 'verbose'");
        AssertError(env.Call("assistant", "return_delivered_order_items", """{"order_id": "#W8341134", "item_ids": "7579176349", "payment_method_id": "paypal_4191414"}"""), "Error: argument 'item_ids' must be a list");
        AssertError(env.Call("assistant", "cancel_pending_order", """{"order_id": "#W5267498", "reason": "changed my mind"}"""), "Error: Invalid reason");
        Assert.IsTrue(env.Call("assistant", "calculate", "{not json").IsError);

        // None of these changed anything.
        Assert.AreEqual("pending", env.Agent.Find("orders", "#W5267498")!["status"]!.GetValue<string>());
        Assert.AreEqual("delivered", env.Agent.Find("orders", "#W8341134")!["status"]!.GetValue<string>());
    }

    [TestMethod]
    public void ATasksWritesStayInItsOwnDatabase()
    {
        var domain = Domain.Value;
        var before = PyJson.Dumps(domain.AgentDb.Find("users", "fatima_li_8519"));
        var orderBefore = PyJson.Dumps(domain.AgentDb.Find("orders", "#W5267498"));
        var env = domain.NewEnvironment();
        Assert.IsFalse(env.Call("assistant", "cancel_pending_order", """{"order_id": "#W5267498", "reason": "no longer needed"}""").IsError);
        Assert.IsFalse(env.Call("assistant", "modify_user_address", """{"user_id": "fatima_li_8519", "address1": "1 A St", "address2": "", "city": "B", "state": "CA", "country": "USA", "zip": "90001"}""").IsError);
        StringAssert.Contains(PyJson.Dumps(env.Agent.Find("users", "fatima_li_8519")), "\"balance\": 513.75", StringComparison.Ordinal);

        Assert.AreEqual(before, PyJson.Dumps(domain.AgentDb.Find("users", "fatima_li_8519")));
        Assert.AreEqual(orderBefore, PyJson.Dumps(domain.AgentDb.Find("orders", "#W5267498")));
        var other = domain.NewEnvironment();
        Assert.AreEqual("pending", other.Agent.Find("orders", "#W5267498")!["status"]!.GetValue<string>());
        Assert.AreEqual(before, PyJson.Dumps(other.Agent.Find("users", "fatima_li_8519")));

        // The task's changes survive its export, as a task carries them from rank to rank.
        var reloaded = new TaskDatabase(domain.AgentDb, env.Agent.Export());
        Assert.IsTrue(reloaded.SameAs(env.Agent));
        Assert.IsFalse(reloaded.SameAs(other.Agent));
    }

    private static string Call(Tau2Environment env, string name, string arguments) => env.Call("assistant", name, arguments).Content;

    private static void AssertError(ToolOutcome outcome, string expected)
    {
        Assert.IsTrue(outcome.IsError, outcome.Content);
        Assert.AreEqual(expected, outcome.Content);
    }
}
