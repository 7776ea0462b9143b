using Matrix.Engine.Output;

namespace Matrix.Store.Arrow.Write;

/// <summary>Creates the Arrow stream sink of a rank.</summary>
public sealed class ArrowTaskSinkFactory : ITaskSinkFactory
{
    /// <summary>
    /// Creates <see cref="SinkOptions.Directory"/> if needed. New parts of the rank are numbered after
    /// any it already has there, so a resumed run never overwrites earlier output.
    /// </summary>
    public ITaskSink Create(SinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Directory);
        ArgumentNullException.ThrowIfNull(options.Scenario);
        ArgumentNullException.ThrowIfNull(options.Columns);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Rank);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RowsPerBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RowsPerPart, 1);
        return new ArrowTaskSink(options);
    }

    /// <summary>
    /// Checks a scenario's columns before anything is written: <see cref="ArgumentException"/> when one repeats a name
    /// or reuses a common column's (<c>id</c>, <c>status</c>, ...). Columns that depend on settings are only known then.
    /// </summary>
    public static void CheckColumns(IReadOnlyList<Engine.Scenarios.OutputColumn> columns) => OutputSchema.CheckNames(columns);
}
