namespace Matrix.Engine.Orchestration;

/// <summary>
/// The message that carries the whole state of one task. Agents are stateless: everything a step needs
/// (the input row, the history, the scenario's own state) travels here, and the scenario's routing code
/// decides from it where the task goes next. Only one agent touches an orchestrator at a time, so it
/// needs no locking; it is serialized only when it leaves its rank.
/// </summary>
public sealed class Orchestrator
{
    private readonly List<Turn> _history = [];

    public Orchestrator(string id, int trial, ulong seed, long rowIndex, object input)
    {
        Id = id;
        Trial = trial;
        Seed = seed;
        RowIndex = rowIndex;
        Input = input;
    }

    /// <summary>Stable task id: the row's id (or index) and the trial, so reruns and resumes agree.</summary>
    public string Id { get; }

    public int Trial { get; }

    /// <summary>This task's seed, derived from the run seed and <see cref="Id"/>.</summary>
    public ulong Seed { get; }

    /// <summary>The row's position in the input (0-based), for error messages.</summary>
    public long RowIndex { get; }

    /// <summary>The parsed input row, as the scenario's loader produced it.</summary>
    public object Input { get; }

    /// <summary>The scenario's own per-task state (set in <see cref="Scenarios.Scenario.Begin"/>).</summary>
    public object? State { get; set; }

    public IReadOnlyList<Turn> History => _history;

    /// <summary>
    /// The role the task was last sent to (Matrix's <c>current_agent</c>): inside <see cref="Scenarios.Scenario.Next"/>
    /// it is the role whose step just ran. Null before the first step and once done.
    /// </summary>
    public string? CurrentRole { get; internal set; }

    public TaskOutcome Outcome { get; internal set; }

    public string? Reason { get; internal set; }

    public string? Error { get; internal set; }

    public long PromptTokens { get; private set; }

    public long CompletionTokens { get; private set; }

    /// <summary>How many agent steps the task has taken.</summary>
    public int Hops { get; internal set; }

    /// <summary>How many LLM calls the task has made; feeds the per-call seed.</summary>
    public int LlmCalls { get; internal set; }

    /// <summary>The rank that admitted the task: its sink writes the record and its admission permit comes back there.</summary>
    public int HomeRank { get; internal set; }

    /// <summary>When the engine admitted the task (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long AdmittedAt { get; internal set; }

    /// <summary>
    /// When the task's current hop started (<see cref="TimeProvider.GetTimestamp"/> of this rank): its last
    /// agent step ended, or it was admitted. Crosses ranks as wall-clock time.
    /// </summary>
    internal long DispatchedAt { get; set; }

    /// <summary>The time the task spent between agent steps so far (queues, transport), in nanoseconds.</summary>
    internal long QueuedNanoseconds { get; set; }

    public TInput InputAs<TInput>() => (TInput)Input;

    public TState StateAs<TState>() => (TState)(State ?? throw new InvalidOperationException($"Task {Id} has no scenario state."));

    /// <summary>Appends a turn and adds its token usage to the task's totals.</summary>
    public void Append(Turn turn)
    {
        ArgumentNullException.ThrowIfNull(turn);
        _history.Add(turn);
        PromptTokens += turn.PromptTokens;
        CompletionTokens += turn.CompletionTokens;
    }

    /// <summary>Drops the text of turns whose content (or reasoning) lives in a content store (it was fetched back for a step).</summary>
    internal void DropFetchedContent()
    {
        for (var i = 0; i < _history.Count; i++)
        {
            if (_history[i] is { Ref: not null, Content: not null } turn)
            {
                _history[i] = turn with { Content = null };
            }

            if (_history[i] is { ReasoningRef: not null, Reasoning: not null } thinking)
            {
                _history[i] = thinking with { Reasoning = null };
            }
        }
    }

    /// <summary>Swaps a turn for the same turn with its content offloaded or fetched back.</summary>
    internal void ReplaceTurn(int index, Turn turn) => _history[index] = turn;

    /// <summary>Rebuilds the history of an orchestrator that arrived from another rank.</summary>
    internal void Restore(IEnumerable<Turn> history, long promptTokens, long completionTokens)
    {
        _history.Clear();
        _history.AddRange(history);
        PromptTokens = promptTokens;
        CompletionTokens = completionTokens;
    }

    internal void Finish(TaskOutcome outcome, string? reason, string? error)
    {
        CurrentRole = null;
        Outcome = outcome;
        Reason = reason;
        Error = error;
    }

    public override string ToString() => $"{Id} ({Outcome}, {Hops} hops)";
}
