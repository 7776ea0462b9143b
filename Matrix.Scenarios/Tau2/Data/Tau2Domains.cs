using Matrix.Engine.Scenarios;
using Matrix.Scenarios.Tau2.Domains.Airline;
using Matrix.Scenarios.Tau2.Domains.Mock;
using Matrix.Scenarios.Tau2.Domains.Retail;

namespace Matrix.Scenarios.Tau2.Data;

/// <summary>The domains the tau2 scenario implements in C#, and how a data folder is matched to one.</summary>
internal static class Tau2Domains
{
    public static IReadOnlyList<Tau2DomainDefinition> All { get; } =
    [
        MockDomain.Instance,
        RetailDomain.Instance,
        AirlineDomain.Instance,
    ];

    public static Tau2DomainDefinition? Find(string name) => All.FirstOrDefault(d => d.Name == name);

    /// <summary>The definition for <paramref name="folder"/>: <paramref name="name"/> if given, else the folder's name, else its files.</summary>
    public static Tau2DomainDefinition Resolve(string folder, string? name)
    {
        if (!string.IsNullOrEmpty(name))
        {
            return Find(name) ?? throw new InputException($"tau2.domain: unknown domain '{name}' (known: {string.Join(", ", All.Select(d => d.Name))})");
        }

        var byFolder = Find(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))));
        return byFolder ?? All.FirstOrDefault(d => d.Recognizes(folder))
            ?? throw new InputException($"'{folder}' is not a tau2 domain folder this build knows ({string.Join(", ", All.Select(d => d.Name))}); set tau2.domain=NAME");
    }
}
