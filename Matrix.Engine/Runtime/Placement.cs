using System.Globalization;
using Matrix.Engine.Settings;

namespace Matrix.Engine.Runtime;

/// <summary>
/// Which ranks host which roles. By default every rank hosts every role and a task goes to the next role
/// on its own rank; <c>--set placement.&lt;role&gt;=0,2</c> pins a role to ranks, and routing then picks
/// among those. Every rank hosts the sink of the tasks it admitted.
/// </summary>
public sealed class Placement
{
    private readonly Dictionary<string, int[]> _hosts;

    private Placement(Dictionary<string, int[]> hosts) => _hosts = hosts;

    public static Placement Everywhere(IEnumerable<string> roles, int size) =>
        new(roles.ToDictionary(r => r, _ => Enumerable.Range(0, size).ToArray(), StringComparer.Ordinal));

    public static string Key(string role) => $"placement.{role}";

    public static void Declare(SettingsSchema schema, IEnumerable<string> roles)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(roles);
        foreach (var role in roles)
        {
            schema.List(Key(role), null, $"Ranks that host role '{role}' (comma-separated; all ranks when unset).");
        }
    }

    /// <summary>Reads <c>placement.*</c>; a rank outside 0..size-1 is a <see cref="SettingsException"/>.</summary>
    public static Placement FromSettings(RunSettings settings, IEnumerable<string> roles, int size)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(roles);
        var hosts = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var role in roles)
        {
            var listed = settings.GetList(Key(role));
            if (listed.Count == 0)
            {
                hosts[role] = [.. Enumerable.Range(0, size)];
                continue;
            }

            var ranks = new SortedSet<int>();
            foreach (var item in listed)
            {
                if (!int.TryParse(item, NumberStyles.Integer, CultureInfo.InvariantCulture, out var r) || r < 0 || r >= size)
                {
                    throw new SettingsException($"setting '{Key(role)}': '{item}' is not a rank of this job (0 to {size - 1})");
                }

                ranks.Add(r);
            }

            hosts[role] = [.. ranks];
        }

        return new Placement(hosts);
    }

    public bool Hosts(int rank, string role) => _hosts.TryGetValue(role, out var ranks) && Array.IndexOf(ranks, rank) >= 0;

    public IReadOnlyList<int> RanksOf(string role) => _hosts[role];

    public override string ToString() => string.Join("; ", _hosts.Select(kv => $"{kv.Key}={string.Join(',', kv.Value)}"));
}
