using Apache.Arrow;

namespace Matrix.Store.Arrow.Read;

/// <summary>
/// Finds the output columns of a part's schema by name and decodes rows of its batches. Columns other
/// writers might leave out (reason, error, tokens, messages) read as null or empty; only <c>id</c> and
/// <c>status</c> are required.
/// </summary>
internal sealed class PartRowDecoder
{
    private readonly int _id;
    private readonly int _trial;
    private readonly int _scenario;
    private readonly int _status;
    private readonly int _reason;
    private readonly int _error;
    private readonly int _messages;
    private readonly int _promptTokens;
    private readonly int _completionTokens;
    private readonly (string Name, int Index)[] _extra;

    public PartRowDecoder(Schema schema)
    {
        int Find(string name) => schema.GetFieldIndex(name, StringComparer.Ordinal);
        int Require(string name) => Find(name) is var i and >= 0 ? i : throw new InvalidDataException($"the part has no '{name}' column");

        _id = Require(OutputSchema.Id);
        _status = Require(OutputSchema.Status);
        _trial = Find(OutputSchema.Trial);
        _scenario = Find(OutputSchema.Scenario);
        _reason = Find(OutputSchema.Reason);
        _error = Find(OutputSchema.Error);
        _messages = Find(OutputSchema.Messages);
        _promptTokens = Find(OutputSchema.PromptTokens);
        _completionTokens = Find(OutputSchema.CompletionTokens);
        _extra = schema.FieldsList
            .Select((field, index) => (field.Name, index))
            .Where(f => !OutputSchema.CommonColumns.Contains(f.Name))
            .ToArray();
    }

    public string Id(RecordBatch batch, int row) =>
        ArrowValues.GetString(batch.Column(_id), row) ?? throw new InvalidDataException($"row {row} has a null id");

    public string Status(RecordBatch batch, int row) => ArrowValues.GetString(batch.Column(_status), row) ?? "";

    public string? Reason(RecordBatch batch, int row) => String(batch, _reason, row);

    public long PromptTokens(RecordBatch batch, int row) => Int64(batch, _promptTokens, row);

    public long CompletionTokens(RecordBatch batch, int row) => Int64(batch, _completionTokens, row);

    public PartRow Row(RecordBatch batch, int row)
    {
        var columns = new Dictionary<string, object?>(_extra.Length, StringComparer.Ordinal);
        foreach (var (name, index) in _extra)
        {
            columns[name] = ArrowValues.GetValue(batch.Column(index), row);
        }

        return new PartRow(
            Id(batch, row),
            (int)Int64(batch, _trial, row),
            String(batch, _scenario, row) ?? "",
            Status(batch, row),
            Reason(batch, row),
            String(batch, _error, row),
            Messages(batch, row),
            PromptTokens(batch, row),
            CompletionTokens(batch, row),
            columns);
    }

    private static string? String(RecordBatch batch, int column, int row) =>
        column < 0 ? null : ArrowValues.GetString(batch.Column(column), row);

    private static long Int64(RecordBatch batch, int column, int row) =>
        column < 0 ? 0 : ArrowValues.GetInt64(batch.Column(column), row) ?? 0;

    /// <summary>
    /// The finish reason and model of each turn of row <paramref name="row"/>, and whether it has reasoning, without
    /// decoding the rest of the row (for counting over a whole output).
    /// </summary>
    public IEnumerable<(string? FinishReason, string? Model, bool HasReasoning)> TurnSummaries(RecordBatch batch, int row)
    {
        if (Items(batch, row) is not var (items, start, count))
        {
            yield break;
        }

        var finishReason = Child(items, OutputSchema.FinishReason);
        var model = Child(items, OutputSchema.Model);
        var reasoning = Child(items, OutputSchema.Reasoning);
        for (var j = items.Offset + start; j < items.Offset + start + count; j++)
        {
            yield return (Get(finishReason, j), Get(model, j), reasoning is not null && !reasoning.IsNull(j));
        }
    }

    private List<PartMessage> Messages(RecordBatch batch, int row)
    {
        if (Items(batch, row) is not var (items, start, count))
        {
            return [];
        }

        var agent = Child(items, OutputSchema.Agent);
        var role = Child(items, OutputSchema.Role);
        var content = Child(items, OutputSchema.Content);
        var toolCalls = Child(items, OutputSchema.ToolCalls);
        var promptTokens = Child(items, OutputSchema.PromptTokens);
        var completionTokens = Child(items, OutputSchema.CompletionTokens);

        // Parts written before these fields existed have none of them: they read as null.
        var reasoning = Child(items, OutputSchema.Reasoning);
        var finishReason = Child(items, OutputSchema.FinishReason);
        var model = Child(items, OutputSchema.Model);

        var messages = new List<PartMessage>(count);
        for (var j = items.Offset + start; j < items.Offset + start + count; j++)
        {
            messages.Add(new PartMessage(
                Get(agent, j) ?? "",
                Get(role, j) ?? "",
                Get(content, j),
                Get(toolCalls, j),
                (int)(GetInt(promptTokens, j) ?? 0),
                (int)(GetInt(completionTokens, j) ?? 0))
            {
                Reasoning = Get(reasoning, j),
                FinishReason = Get(finishReason, j),
                Model = Get(model, j),
            });
        }

        return messages;
    }

    /// <summary>The struct array of the <c>messages</c> column and the row's range in it; null for a row without messages.</summary>
    private (StructArray Items, int Start, int Count)? Items(RecordBatch batch, int row)
    {
        if (_messages < 0 || batch.Column(_messages).IsNull(row))
        {
            return null;
        }

        if (batch.Column(_messages) is not ListArray list || list.Values is not StructArray items)
        {
            throw new InvalidDataException($"'{OutputSchema.Messages}' is not a list<struct>");
        }

        var offsets = list.ValueOffsets;
        return (items, offsets[row], offsets[row + 1] - offsets[row]);
    }

    private static IArrowArray? Child(StructArray items, string name) =>
        ((Apache.Arrow.Types.StructType)items.Data.DataType).GetFieldIndex(name, StringComparer.Ordinal) is var i and >= 0 ? items.Fields[i] : null;

    private static string? Get(IArrowArray? array, int index) => array is null ? null : ArrowValues.GetString(array, index);

    private static long? GetInt(IArrowArray? array, int index) => array is null ? null : ArrowValues.GetInt64(array, index);
}
