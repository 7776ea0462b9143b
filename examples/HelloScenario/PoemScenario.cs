using System.Runtime.CompilerServices;
using Matrix.Engine.Agents;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using MemoryPack;

namespace HelloScenario;

/// <summary>
/// A poet (LLM) writes a short poem on a topic; a critic (code) counts its words. Too short: the poet
/// tries again, up to <c>poem.max_attempts</c> times.
/// </summary>
public sealed partial class PoemScenario : Scenario
{
    public override string Name => "poem";

    public override string Description => "a poet LLM and a word-counting critic";

    public override IReadOnlyList<RoleSpec> Roles { get; } =
        // The critic reads the poem's text, so offloaded content is fetched back for it.
        [new("poet", AgentKind.Llm), new("critic", AgentKind.Code) { ReadsContent = true }];

    public override IReadOnlyList<OutputColumn> Columns { get; } =
    [
        new("topic", ColumnType.Utf8, t => t.Input as string),
        new("attempts", ColumnType.Int32, t => (t.State as PoemState)?.Attempts),
        new("words", ColumnType.Int32, t => (t.State as PoemState)?.Words),
    ];

    // What crosses ranks with a task under srun/mpiexec: the state's type (strings need no listing).
    public override IReadOnlyList<Type> MessageTypes { get; } = [typeof(PoemState)];

    // What the simulated LLM answers to the poet's prompt (else: a few sentences of generic prose).
    public override IReadOnlyList<ISimResponder> SimResponders { get; } = [new PoemResponder()];

    public override void DeclareSettings(SettingsSchema schema) => schema
        .Int("poem.min_words", 12, "A poem shorter than this is sent back to the poet.", 1)
        .Int("poem.max_attempts", 3, "Attempts before the poet gives up.", 1);

    // Input: the built-in topics, or one topic per line of --input.
    public override async IAsyncEnumerable<InputRow> ReadInputAsync(
        InputSource source, ScenarioContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var topics = source.Path is null
            ? Enumerable.Range(0, 1000).Select(i => $"the number {i}")
            : await File.ReadAllLinesAsync(source.Path, cancellationToken);
        long index = 0;
        foreach (var topic in topics)
        {
            yield return new InputRow($"topic-{index}", index, topic);
            index++;
        }
    }

    public override IAgent CreateAgent(string role, ScenarioContext context) => role switch
    {
        "poet" => new Poet(context.Llm),
        "critic" => new DelegateAgent(task =>
        {
            var state = task.StateAs<PoemState>();
            state.Words = task.History[^1].Content?.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Length ?? 0;
        }),
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "no such role"),
    };

    public override Route Begin(Orchestrator task, ScenarioContext context)
    {
        task.State = new PoemState();
        return Route.To("poet");
    }

    public override Route Next(Orchestrator task, ScenarioContext context)
    {
        var state = task.StateAs<PoemState>();
        if (task.CurrentRole == "poet")
        {
            state.Attempts++;
            return Route.To("critic");
        }

        return state.Words >= context.Settings.GetInt("poem.min_words") ? Route.Succeed("long_enough")
            : state.Attempts >= context.Settings.GetInt("poem.max_attempts") ? Route.Filter("too_short")
            : Route.To("poet");
    }

    [MemoryPackable]
    internal sealed partial class PoemState
    {
        public int Attempts { get; set; }

        public int Words { get; set; }
    }

    private sealed class Poet(ILlmClient llm) : LlmAgent("poet", llm)
    {
        protected override IReadOnlyList<ChatMessage> BuildMessages(Orchestrator task) =>
        [
            ChatMessage.System("You are a poet. Answer with the poem only."),
            ChatMessage.User($"Write a short poem about {task.InputAs<string>()}."),
        ];

        protected override LlmRequest ConfigureRequest(LlmRequest request) => request with { Temperature = 0.9, MaxTokens = 128 };
    }
}
