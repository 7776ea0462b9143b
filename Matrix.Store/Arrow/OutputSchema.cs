using Apache.Arrow;
using Apache.Arrow.Types;
using Matrix.Engine.Scenarios;

namespace Matrix.Store.Arrow;

/// <summary>The Arrow schema of the output (README, Output): the columns every scenario has, then the scenario's own.</summary>
internal static class OutputSchema
{
    public const string Id = "id";
    public const string Trial = "trial";
    public const string Scenario = "scenario";
    public const string Status = "status";
    public const string Reason = "reason";
    public const string Error = "error";
    public const string Messages = "messages";
    public const string PromptTokens = "prompt_tokens";
    public const string CompletionTokens = "completion_tokens";

    public const string Agent = "agent";
    public const string Role = "role";
    public const string Content = "content";
    public const string ToolCalls = "tool_calls";
    public const string Reasoning = "reasoning";
    public const string FinishReason = "finish_reason";
    public const string Model = "model";

    /// <summary>The columns every scenario has, in order; a scenario column may not reuse one of these names.</summary>
    public static readonly IReadOnlyList<string> CommonColumns =
        [Id, Trial, Scenario, Status, Reason, Error, Messages, PromptTokens, CompletionTokens];

    public static readonly StructType MessageType = new(
    [
        new Field(Agent, StringType.Default, nullable: false),
        new Field(Role, StringType.Default, nullable: false),
        new Field(Content, StringType.Default, nullable: true),
        new Field(ToolCalls, StringType.Default, nullable: true),
        new Field(PromptTokens, Int32Type.Default, nullable: false),
        new Field(CompletionTokens, Int32Type.Default, nullable: false),

        // Added after the first release, at the end so readers that address fields by position still work; parts
        // written before have none of the three, and every reader here takes a missing one as null.
        new Field(Reasoning, StringType.Default, nullable: true),
        new Field(FinishReason, StringType.Default, nullable: true),
        new Field(Model, StringType.Default, nullable: true),
    ]);

    // "item" is the child name pyarrow and the other Arrow libraries use for lists.
    public static readonly ListType MessagesType = new(new Field("item", MessageType, nullable: false));

    public static Schema Create(IReadOnlyList<OutputColumn> columns)
    {
        var fields = new List<Field>(CommonColumns.Count + columns.Count)
        {
            new(Id, StringType.Default, nullable: false),
            new(Trial, Int32Type.Default, nullable: false),
            new(Scenario, StringType.Default, nullable: false),
            new(Status, StringType.Default, nullable: false),
            new(Reason, StringType.Default, nullable: true),
            new(Error, StringType.Default, nullable: true),
            new(Messages, MessagesType, nullable: false),
            new(PromptTokens, Int64Type.Default, nullable: false),
            new(CompletionTokens, Int64Type.Default, nullable: false),
        };

        CheckNames(columns);
        fields.AddRange(columns.Select(c => new Field(c.Name, ArrowType(c.Type), nullable: true)));
        return new Schema(fields, metadata: null);
    }

    /// <summary>Throws <see cref="ArgumentException"/> when a scenario column repeats a name or reuses a common column's.</summary>
    public static void CheckNames(IReadOnlyList<OutputColumn> columns)
    {
        var names = new HashSet<string>(CommonColumns, StringComparer.Ordinal);
        foreach (var column in columns)
        {
            if (!names.Add(column.Name))
            {
                throw new ArgumentException($"Scenario column '{column.Name}' is declared twice or reuses a common column's name.", nameof(columns));
            }
        }
    }

    private static IArrowType ArrowType(ColumnType type) => type switch
    {
        ColumnType.Utf8 => StringType.Default,
        ColumnType.Bool => BooleanType.Default,
        ColumnType.Int32 => Int32Type.Default,
        ColumnType.Int64 => Int64Type.Default,
        ColumnType.Float64 => DoubleType.Default,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown column type."),
    };
}
