using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Domains.Retail;

/// <summary>The retail tools that change nothing: lookups (<c>calculate</c> and <c>transfer_to_human_agents</c> are <see cref="GenericTools"/>).</summary>
internal static partial class RetailTools
{
    private static DomainTool FindUserIdByNameZip() => new(
        "find_user_id_by_name_zip",
        "Find user id by first name, last name, and zip code. If the user is not found, the function\n\n"
        + "will return an error message. By default, find user id by email, and only call this function\nif the user is not found by email or cannot remember email.",
        ToolKind.Read,
        [
            ToolParameter.String("first_name", "The first name of the customer, such as 'John'."),
            ToolParameter.String("last_name", "The last name of the customer, such as 'Doe'."),
            ToolParameter.String("zip", "The zip code of the customer, such as '12345'."),
        ],
        (ctx, a) =>
        {
            var firstName = Fold(a.String("first_name"));
            var lastName = Fold(a.String("last_name"));
            var zip = a.String("zip");
            foreach (var (userId, user) in ctx.Db.Entries("users"))
            {
                // Names fold (case and accents, as tau2's voice-tolerant lookup); the zip must match exactly.
                if (user["name"] is JsonObject name && Fold(Text(name["first_name"]) ?? string.Empty) == firstName
                    && Fold(Text(name["last_name"]) ?? string.Empty) == lastName && Text(user["address"]?["zip"]) == zip)
                {
                    return userId;
                }
            }

            throw new ToolException("User not found");
        });

    private static DomainTool FindUserIdByEmail() => new(
        "find_user_id_by_email",
        "Find user id by email. If the user is not found, the function will return an error message.",
        ToolKind.Read,
        [ToolParameter.String("email", "The email of the user, such as 'something@example.com'.")],
        (ctx, a) =>
        {
            var email = Fold(a.String("email"));
            foreach (var (userId, user) in ctx.Db.Entries("users"))
            {
                if (Fold(Text(user["email"]) ?? string.Empty) == email)
                {
                    return userId;
                }
            }

            throw new ToolException("User not found");
        });

    private static DomainTool GetOrderDetails() => new(
        "get_order_details",
        "Get the status and details of an order.",
        ToolKind.Read,
        [ToolParameter.String("order_id", OrderIdDescription)],
        (ctx, a) => FindOrder(ctx, a.String("order_id")));

    private static DomainTool GetProductDetails() => new(
        "get_product_details",
        "Get the inventory details of a product.",
        ToolKind.Read,
        [ToolParameter.String("product_id", ProductIdDescription)],
        (ctx, a) => FindProduct(ctx, a.String("product_id")));

    private static DomainTool GetItemDetails() => new(
        "get_item_details",
        "Get the inventory details of an item.",
        ToolKind.Read,
        [ToolParameter.String("item_id", ItemIdDescription)],
        (ctx, a) =>
        {
            var itemId = a.String("item_id");
            foreach (var (_, product) in ctx.Db.Entries("products"))
            {
                if (Child(product, "variants", itemId) is { } variant)
                {
                    return variant;
                }
            }

            throw new ToolException("Item not found");
        });

    private static DomainTool GetUserDetails() => new(
        "get_user_details",
        "Get the details of a user, including their orders.",
        ToolKind.Read,
        [ToolParameter.String("user_id", UserIdDescription)],
        (ctx, a) => FindUser(ctx, a.String("user_id")));

    private static DomainTool ListAllProductTypes() => new(
        "list_all_product_types",
        "List the name and product id of all product types.\n\n"
        + "Each product type has a variety of different items with unique item ids and options.\nThere are only 50 product types in the store.",
        ToolKind.Read,
        [],
        (ctx, _) =>
        {
            // A dict name -> product_id (a later product of the same name wins), dumped with sort_keys=True: a string.
            var byName = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (_, product) in ctx.Db.Entries("products"))
            {
                byName[Text(product["name"]) ?? string.Empty] = Text(product["product_id"]);
            }

            var names = byName.Keys.ToList();
            names.Sort(ComparePython);
            var sorted = new JsonObject();
            foreach (var name in names)
            {
                sorted[name] = byName[name];
            }

            return Json.PyJson.Dumps(sorted);
        });
}
