using Apache.Arrow;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Scenarios;

namespace Matrix.Store.Arrow.Write;

/// <summary>
/// Accumulates rows column by column in reusable buffers and turns them into one record batch. Adding a
/// row copies every value out of the orchestrator (strings are encoded to UTF-8 at once), so the engine
/// may reuse or free the orchestrator as soon as <see cref="Append"/> returns.
/// </summary>
internal sealed class RowBatchBuilder
{
    private readonly Schema _schema;
    private readonly string _scenario;

    private readonly Utf8Buffer _id = new();
    private readonly FixedBuffer<int> _trial = new();
    private readonly Utf8Buffer _scenarioColumn = new();
    private readonly Utf8Buffer _status = new();
    private readonly Utf8Buffer _reason = new();
    private readonly Utf8Buffer _error = new();
    private readonly FixedBuffer<long> _promptTokens = new();
    private readonly FixedBuffer<long> _completionTokens = new();

    // messages: list offsets into the struct children below.
    private readonly FixedBuffer<int> _messageOffsets = new();
    private readonly Utf8Buffer _agent = new();
    private readonly Utf8Buffer _role = new();
    private readonly Utf8Buffer _content = new();
    private readonly Utf8Buffer _toolCalls = new();
    private readonly FixedBuffer<int> _messagePromptTokens = new();
    private readonly FixedBuffer<int> _messageCompletionTokens = new();
    private readonly Utf8Buffer _reasoning = new();
    private readonly Utf8Buffer _finishReason = new();
    private readonly Utf8Buffer _model = new();
    private int _messageCount;

    private readonly ColumnBuffer[] _extra;
    private readonly object?[] _extraValues;

    public RowBatchBuilder(Schema schema, string scenario, IReadOnlyList<OutputColumn> columns)
    {
        _schema = schema;
        _scenario = scenario;
        _extra = new ColumnBuffer[columns.Count];
        for (var i = 0; i < _extra.Length; i++)
        {
            _extra[i] = ColumnBuffer.For(columns[i]);
        }

        _extraValues = new object?[_extra.Length];
        _messageOffsets.Append(0);
    }

    public int Count { get; private set; }

    /// <summary>Approximate bytes held (the variable-width columns dominate).</summary>
    public long ByteLength
    {
        get
        {
            var bytes = _id.ByteLength + _reason.ByteLength + _error.ByteLength
                + _agent.ByteLength + _role.ByteLength + _content.ByteLength + _toolCalls.ByteLength
                + _reasoning.ByteLength + _finishReason.ByteLength + _model.ByteLength;
            foreach (var column in _extra)
            {
                bytes += column.ByteLength;
            }

            return bytes;
        }
    }

    public void Append(Orchestrator task)
    {
        // Scenario code runs first: if it throws or returns a value of the wrong type, nothing of the
        // row has been appended yet.
        for (var i = 0; i < _extra.Length; i++)
        {
            _extraValues[i] = _extra[i].Check(_extra[i].Column.Value(task), task.Id);
        }

        _id.Append(task.Id);
        _trial.Append(task.Trial);
        _scenarioColumn.Append(_scenario);
        _status.Append(task.Outcome.ToColumnValue());
        _reason.Append(task.Reason);
        _error.Append(task.Error);
        _promptTokens.Append(task.PromptTokens);
        _completionTokens.Append(task.CompletionTokens);

        var history = task.History;
        for (var i = 0; i < history.Count; i++)
        {
            var turn = history[i];
            _agent.Append(turn.Agent);
            _role.Append(turn.Role);
            _content.Append(turn.Content);
            _toolCalls.Append(turn.ToolCallsJson);
            _messagePromptTokens.Append(turn.PromptTokens);
            _messageCompletionTokens.Append(turn.CompletionTokens);
            _reasoning.Append(turn.Reasoning);
            _finishReason.Append(turn.FinishReason);
            _model.Append(turn.Model);
        }

        _messageCount += history.Count;
        _messageOffsets.Append(_messageCount);

        for (var i = 0; i < _extra.Length; i++)
        {
            _extra[i].Append(_extraValues[i]);
            _extraValues[i] = null;
        }

        Count++;
    }

    /// <summary>
    /// The buffered rows as a record batch. Its arrays borrow this builder's buffers: write it, dispose
    /// it, then <see cref="Clear"/>; it must not be used after that.
    /// </summary>
    public RecordBatch Build()
    {
        var arrays = new IArrowArray[_schema.FieldsList.Count];
        arrays[0] = _id.Build();
        arrays[1] = new Int32Array(_trial.Borrow(), ArrowBuffer.Empty, Count, 0, 0);
        arrays[2] = _scenarioColumn.Build();
        arrays[3] = _status.Build();
        arrays[4] = _reason.Build();
        arrays[5] = _error.Build();
        arrays[6] = BuildMessages();
        arrays[7] = new Int64Array(_promptTokens.Borrow(), ArrowBuffer.Empty, Count, 0, 0);
        arrays[8] = new Int64Array(_completionTokens.Borrow(), ArrowBuffer.Empty, Count, 0, 0);
        for (var i = 0; i < _extra.Length; i++)
        {
            arrays[OutputSchema.CommonColumns.Count + i] = _extra[i].Build();
        }

        return new RecordBatch(_schema, arrays, Count);
    }

    public void Clear()
    {
        _id.Clear();
        _trial.Clear();
        _scenarioColumn.Clear();
        _status.Clear();
        _reason.Clear();
        _error.Clear();
        _promptTokens.Clear();
        _completionTokens.Clear();
        _messageOffsets.Clear();
        _messageOffsets.Append(0);
        _agent.Clear();
        _role.Clear();
        _content.Clear();
        _toolCalls.Clear();
        _messagePromptTokens.Clear();
        _messageCompletionTokens.Clear();
        _reasoning.Clear();
        _finishReason.Clear();
        _model.Clear();
        _messageCount = 0;
        foreach (var column in _extra)
        {
            column.Clear();
        }

        Count = 0;
    }

    private ListArray BuildMessages()
    {
        IArrowArray[] children =
        [
            _agent.Build(),
            _role.Build(),
            _content.Build(),
            _toolCalls.Build(),
            new Int32Array(_messagePromptTokens.Borrow(), ArrowBuffer.Empty, _messageCount, 0, 0),
            new Int32Array(_messageCompletionTokens.Borrow(), ArrowBuffer.Empty, _messageCount, 0, 0),
            _reasoning.Build(),
            _finishReason.Build(),
            _model.Build(),
        ];
        var messages = new StructArray(OutputSchema.MessageType, _messageCount, children, ArrowBuffer.Empty, 0, 0);
        return new ListArray(OutputSchema.MessagesType, Count, _messageOffsets.Borrow(), messages, ArrowBuffer.Empty, 0, 0);
    }
}
