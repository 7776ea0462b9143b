using System.Runtime.CompilerServices;
using Matrix.Engine.Agents;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using MemoryPack;

namespace Matrix.Tests.Support;

/// <summary>
/// A small scenario for engine tests: <c>ping</c> (async, yields) and <c>pong</c> (sync) alternate for
/// <c>pingpong.rounds</c> rounds. Tasks whose row index is in <see cref="ThrowOn"/> make <c>pong</c> throw;
/// <see cref="Live"/> and <see cref="PeakLive"/> count tasks between Begin and the sink, independently
/// of the engine's own counters.
/// </summary>
internal sealed partial class PingPongScenario : Scenario
{
    private int _live;
    private int _peakLive;

    public HashSet<long> ThrowOn { get; init; } = [];

    public int Rows { get; init; } = 100;

    public string? RouteTo { get; init; }

    public int Live => Volatile.Read(ref _live);

    public int PeakLive => Volatile.Read(ref _peakLive);

    public override string Name => "pingpong";

    public override string Description => "two code agents passing a task back and forth";

    public override IReadOnlyList<RoleSpec> Roles { get; } = [new("ping", AgentKind.Code, 4), new("pong", AgentKind.Code)];

    public override IReadOnlyList<OutputColumn> Columns { get; } = [new("rounds", ColumnType.Int32, t => t.State is Counter c ? c.Rounds : null)];

    public override IReadOnlyList<Type> MessageTypes { get; } = [typeof(Counter)];

    public override void DeclareSettings(SettingsSchema schema) => schema.Int("pingpong.rounds", 3, "Rounds per task.", 1);

    public override async IAsyncEnumerable<InputRow> ReadInputAsync(InputSource source, ScenarioContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < Rows; i++)
        {
            await Task.Yield();
            yield return new InputRow($"row{i}", i, i);
        }
    }

    public override IAgent CreateAgent(string role, ScenarioContext context) => role switch
    {
        "ping" => new Ping(),
        _ => new DelegateAgent(t =>
        {
            if (ThrowOn.Contains(t.RowIndex))
            {
                throw new InvalidOperationException($"pong refuses row {t.RowIndex}");
            }

            t.StateAs<Counter>().Rounds++;
            t.Append(new Turn("pong", ChatRoles.Assistant, "pong"));
        }),
    };

    public override Route Begin(Orchestrator task, ScenarioContext context)
    {
        var now = Interlocked.Increment(ref _live);
        int peak;
        while (now > (peak = Volatile.Read(ref _peakLive)) && Interlocked.CompareExchange(ref _peakLive, now, peak) != peak)
        {
        }

        task.State = new Counter();
        return Route.To(RouteTo ?? "ping");
    }

    public override Route Next(Orchestrator task, ScenarioContext context)
    {
        var rounds = context.Settings.GetInt("pingpong.rounds");
        var state = task.StateAs<Counter>();
        return task.History[^1].Agent == "ping" ? Route.To("pong")
            : state.Rounds >= rounds ? Route.Succeed("rounds")
            : Route.To("ping");
    }

    /// <summary>Called by the test sink when a task is written.</summary>
    public void OnWritten() => Interlocked.Decrement(ref _live);

    [MemoryPackable]
    internal sealed partial class Counter
    {
        public int Rounds { get; set; }
    }

    private sealed class Ping : IAgent
    {
        public async ValueTask RunAsync(Orchestrator task, CancellationToken cancellationToken)
        {
            await Task.Yield();
            task.Append(new Turn("ping", ChatRoles.User, "ping"));
        }
    }
}
