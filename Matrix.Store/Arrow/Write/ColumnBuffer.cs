using Apache.Arrow;
using Matrix.Engine.Scenarios;

namespace Matrix.Store.Arrow.Write;

/// <summary>
/// The reusable buffer of one scenario column. A row is added in two steps, <see cref="Check"/> then
/// <see cref="Append"/>, so that a value of the wrong type fails before any column of the row was
/// appended and the batch stays rectangular.
/// </summary>
internal abstract class ColumnBuffer
{
    protected ColumnBuffer(OutputColumn column) => Column = column;

    public OutputColumn Column { get; }

    /// <summary>Bytes held, to cap a batch's size.</summary>
    public virtual long ByteLength => 0;

    public static ColumnBuffer For(OutputColumn column) => column.Type switch
    {
        ColumnType.Utf8 => new Utf8ColumnBuffer(column),
        ColumnType.Bool => new BoolColumnBuffer(column),
        ColumnType.Int32 => new FixedColumnBuffer<int>(column, ScenarioValues.ToInt32, (v, n, len, nulls) => new Int32Array(v, n, len, nulls, 0)),
        ColumnType.Int64 => new FixedColumnBuffer<long>(column, ScenarioValues.ToInt64, (v, n, len, nulls) => new Int64Array(v, n, len, nulls, 0)),
        ColumnType.Float64 => new FixedColumnBuffer<double>(column, ScenarioValues.ToFloat64, (v, n, len, nulls) => new DoubleArray(v, n, len, nulls, 0)),
        _ => throw new ArgumentOutOfRangeException(nameof(column), column.Type, $"Unknown column type of '{column.Name}'."),
    };

    /// <summary>The value in the CLR type <see cref="Append"/> expects (null stays null); throws if it has none.</summary>
    public abstract object? Check(object? value, string taskId);

    public abstract void Append(object? checkedValue);

    /// <summary>The column as an Arrow array borrowing this buffer's memory, valid until <see cref="Clear"/>.</summary>
    public abstract IArrowArray Build();

    public abstract void Clear();

    protected Exception WrongType(object value, string taskId) => new InvalidOperationException(
        $"Scenario column '{Column.Name}' is {Column.Type}, but its value for task {taskId} is a {value.GetType().Name}.");

    private sealed class Utf8ColumnBuffer(OutputColumn column) : ColumnBuffer(column)
    {
        private readonly Utf8Buffer _values = new();

        public override long ByteLength => _values.ByteLength;

        public override object? Check(object? value, string taskId) => value is null or string ? value : throw WrongType(value, taskId);

        public override void Append(object? checkedValue) => _values.Append((string?)checkedValue);

        public override IArrowArray Build() => _values.Build();

        public override void Clear() => _values.Clear();
    }

    private sealed class BoolColumnBuffer(OutputColumn column) : ColumnBuffer(column)
    {
        private readonly BitBuffer _values = new();
        private readonly BitBuffer _validity = new();

        public override object? Check(object? value, string taskId) => value is null or bool ? value : throw WrongType(value, taskId);

        public override void Append(object? checkedValue)
        {
            _values.Append(checkedValue is true);
            _validity.Append(checkedValue is not null);
        }

        public override IArrowArray Build() =>
            new BooleanArray(_values.Borrow(), _validity.BorrowValidity(), _values.Length, _validity.UnsetCount, 0);

        public override void Clear()
        {
            _values.Clear();
            _validity.Clear();
        }
    }

    private sealed class FixedColumnBuffer<T>(
        OutputColumn column,
        Func<object, object?> convert,
        Func<ArrowBuffer, ArrowBuffer, int, int, IArrowArray> build) : ColumnBuffer(column)
        where T : unmanaged
    {
        private readonly FixedBuffer<T> _values = new();
        private readonly BitBuffer _validity = new();

        public override object? Check(object? value, string taskId) =>
            value is null ? null : convert(value) ?? throw WrongType(value, taskId);

        public override void Append(object? checkedValue)
        {
            _values.Append(checkedValue is null ? default : (T)checkedValue);
            _validity.Append(checkedValue is not null);
        }

        public override IArrowArray Build() => build(_values.Borrow(), _validity.BorrowValidity(), _values.Count, _validity.UnsetCount);

        public override void Clear()
        {
            _values.Clear();
            _validity.Clear();
        }
    }
}
