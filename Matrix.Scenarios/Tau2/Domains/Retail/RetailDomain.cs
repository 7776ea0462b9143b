using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Domains.Retail;

/// <summary>
/// tau2-bench's retail domain (<c>src/tau2/domains/retail/</c>): products with variants, users with payment methods,
/// and orders to cancel, modify, return or exchange. The tools are tau2-bench's <c>RetailTools</c> (see
/// <see cref="RetailTools"/>); the database is <c>db.json</c> as <c>RetailDB</c> dumps it (see <see cref="RetailModel"/>).
/// </summary>
internal sealed class RetailDomain : Tau2DomainDefinition
{
    public static readonly RetailDomain Instance = new();

    private RetailDomain()
    {
        AssistantTools = RetailTools.Build();
    }

    public override string Name => "retail";

    public override ToolKit AssistantTools { get; }

    /// <summary>A <c>db.json</c> whose top level has <c>products</c> and <c>orders</c> tables.</summary>
    public override bool Recognizes(string folder) =>
        DbJsonKeys(folder) is { } keys && keys.GetValueOrDefault("products") && keys.GetValueOrDefault("orders");

    public override JsonObject LoadDatabase(string folder) =>
        RetailModel.Normalize(ReadObject(folder, "db.json"), Path.Combine(folder, "db.json"));
}
