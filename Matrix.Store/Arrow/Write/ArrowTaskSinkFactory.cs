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
}
