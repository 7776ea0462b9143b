namespace Matrix.Engine.Runtime;

/// <summary>One rank's (or the whole job's) progress counters at one moment.</summary>
public readonly record struct CounterSnapshot(
    long Admitted,
    long Succeeded,
    long Filtered,
    long Failed,
    long InFlight,
    long Hops,
    long CompletionTokens,
    long LlmRetries)
{
    public long Finished => Succeeded + Filtered + Failed;

    public static CounterSnapshot operator +(CounterSnapshot a, CounterSnapshot b) => new(
        a.Admitted + b.Admitted,
        a.Succeeded + b.Succeeded,
        a.Filtered + b.Filtered,
        a.Failed + b.Failed,
        a.InFlight + b.InFlight,
        a.Hops + b.Hops,
        a.CompletionTokens + b.CompletionTokens,
        a.LlmRetries + b.LlmRetries);

    public static CounterSnapshot Add(CounterSnapshot left, CounterSnapshot right) => left + right;
}
