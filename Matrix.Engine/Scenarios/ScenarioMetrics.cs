using Matrix.Engine.Orchestration;

namespace Matrix.Engine.Scenarios;

/// <summary>
/// A scenario's run-level metrics (an agreement rate, a mean reward), fed every finished task
/// by the sink's single thread and written to the manifest.
/// </summary>
public class ScenarioMetrics
{
    private readonly SortedDictionary<string, (double Sum, long Count)> _means = new(StringComparer.Ordinal);

    /// <summary>Called once per finished task, on one thread.</summary>
    public virtual void Add(Orchestrator task)
    {
    }

    /// <summary>Adds one observation to the mean named <paramref name="name"/>.</summary>
    protected void Observe(string name, double value)
    {
        _means.TryGetValue(name, out var m);
        _means[name] = (m.Sum + value, m.Count + 1);
    }

    public virtual IReadOnlyDictionary<string, double> Snapshot() =>
        _means.ToDictionary(kv => kv.Key, kv => kv.Value.Count == 0 ? 0 : kv.Value.Sum / kv.Value.Count, StringComparer.Ordinal);
}
