using Matrix.Engine.Agents;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Settings;

namespace Matrix.Engine.Scenarios;

/// <summary>
/// What a user writes to get a new workflow: the input loader, the roles and their agents, the routing
/// and done rules, the output columns and metrics. The engine does the rest (ranks, admission, retries,
/// output, progress). Built-in scenarios use nothing but this API.
/// </summary>
/// <remarks>
/// <see cref="Begin"/> and <see cref="Next"/> run on the orchestrator as it travels: they must be
/// cheap, deterministic and free of I/O. An exception in them fails that task alone.
/// </remarks>
public abstract class Scenario
{
    /// <summary>The name on the command line (<c>matrix run NAME</c>) and in the <c>scenario</c> column.</summary>
    public abstract string Name { get; }

    /// <summary>One line for <c>--help</c>.</summary>
    public abstract string Description { get; }

    /// <summary>The roles; each gets a Dataflow block on every rank that hosts it.</summary>
    public abstract IReadOnlyList<RoleSpec> Roles { get; }

    /// <summary>The scenario's own columns, after the ones every scenario has.</summary>
    public abstract IReadOnlyList<OutputColumn> Columns { get; }

    /// <summary>Declares the scenario's settings, by convention under <c>Name.</c>.</summary>
    public virtual void DeclareSettings(SettingsSchema schema)
    {
    }

    /// <summary>
    /// Streams the input rows: from <see cref="InputSource.Path"/>, or the built-in sample when it is null.
    /// Throws <see cref="InputException"/> for a problem that stops the run (missing file); yields
    /// <see cref="InputRow.Malformed"/> for a bad row, so that only its task fails.
    /// </summary>
    public abstract IAsyncEnumerable<InputRow> ReadInputAsync(InputSource source, ScenarioContext context, CancellationToken cancellationToken);

    /// <summary>Creates the agent of <paramref name="role"/> for this run (once per rank and role).</summary>
    public abstract IAgent CreateAgent(string role, ScenarioContext context);

    /// <summary>Initialises a new task's <see cref="Orchestrator.State"/> and opening turns; returns its first route.</summary>
    public abstract Route Begin(Orchestrator task, ScenarioContext context);

    /// <summary>After each agent step: the next role, or the end of the task.</summary>
    public abstract Route Next(Orchestrator task, ScenarioContext context);

    /// <summary>
    /// The types of <see cref="Orchestrator.Input"/> and <see cref="Orchestrator.State"/> objects, so that an
    /// orchestrator can cross ranks: each must be <c>[MemoryPackable]</c> (string, int, long, double and bool
    /// need no listing). A one-rank run never serializes anything.
    /// </summary>
    public virtual IReadOnlyList<Type> MessageTypes => [];

    /// <summary>
    /// What the simulated LLM (<c>--llm sim</c> and <c>matrix sim-server</c>) answers to this scenario's prompts: responders
    /// tried in order before the engine's generic prose, the first that matches answers. Empty: generic prose for every prompt.
    /// </summary>
    public virtual IReadOnlyList<Llm.Sim.ISimResponder> SimResponders => [];

    /// <summary>
    /// Called once per run, after the settings are resolved and before anything is written. A scenario whose
    /// prompts, columns or checks depend on its settings (templates to compile, a JSON schema to load) returns a
    /// configured copy of itself, which the run then uses everywhere; a bad value throws
    /// <see cref="SettingsException"/>, which the host reports as one line with exit code 2. The default returns
    /// this scenario unchanged.
    /// </summary>
    public virtual Scenario Configure(RunSettings settings) => this;

    /// <summary>
    /// Whether the scenario runs with <c>--llm oracle</c> (<see cref="Llm.OracleLlm"/>): scripted agents that replay
    /// the reference solution instead of calling a model. Other scenarios refuse that setting at start.
    /// </summary>
    public virtual bool HasOracle => false;

    /// <summary>A fresh metrics accumulator for a run.</summary>
    public virtual ScenarioMetrics CreateMetrics() => new();
}
