using Matrix.Engine.Orchestration;

namespace Matrix.Engine.Output;

/// <summary>
/// Where a rank's finished tasks go: one row per task (the columns of OutputSchema). The engine calls it from one
/// thread at a time, in finishing order. Matrix.Store writes Arrow stream parts.
/// </summary>
public interface ITaskSink : IAsyncDisposable
{
    /// <summary>Adds the finished task's row. It may be buffered until the batch is full or <see cref="FlushAsync"/>.</summary>
    ValueTask WriteAsync(Orchestrator task, CancellationToken cancellationToken = default);

    /// <summary>Writes every buffered row so that readers see it.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>Rows, parts and bytes written so far.</summary>
    SinkStatistics Statistics { get; }
}

/// <summary>What a sink has written.</summary>
public sealed record SinkStatistics(long Rows, int Parts, long Bytes, IReadOnlyList<string> Files);

/// <summary>Creates the sink of one rank.</summary>
public interface ITaskSinkFactory
{
    ITaskSink Create(SinkOptions options);
}

/// <summary>How a rank's sink writes: where, as which rank, with which scenario columns.</summary>
/// <param name="Directory">The output directory (<c>--out</c>).</param>
/// <param name="Rank">This rank; part files are <c>part-&lt;rank&gt;-&lt;seq&gt;.arrow</c>.</param>
/// <param name="Scenario">The scenario name, written to the <c>scenario</c> column.</param>
/// <param name="Columns">The scenario's own columns.</param>
/// <param name="RowsPerBatch">Rows per Arrow record batch.</param>
/// <param name="RowsPerPart">Rows per part file before the next part starts.</param>
/// <param name="FlushInterval">
/// The longest a finished row waits in memory: a write that finds a row older than this writes the
/// partial batch and flushes the file to the OS, so a killed process loses at most about this much of
/// its finished rows. <see cref="TimeSpan.Zero"/> flushes after every row. Defaults to
/// <see cref="DefaultFlushInterval"/> (through the shorter constructor).
/// </param>
/// <param name="Time">The clock that ages buffered rows; null for <see cref="TimeProvider.System"/>.</param>
public sealed record SinkOptions(
    string Directory,
    int Rank,
    string Scenario,
    IReadOnlyList<Scenarios.OutputColumn> Columns,
    int RowsPerBatch,
    long RowsPerPart,
    TimeSpan FlushInterval,
    TimeProvider? Time = null)
{
    /// <summary>
    /// Options with <see cref="DefaultFlushInterval"/> and the system clock. (A positional record
    /// parameter cannot default to a non-constant <see cref="TimeSpan"/>, hence this constructor.)
    /// </summary>
    public SinkOptions(
        string Directory,
        int Rank,
        string Scenario,
        IReadOnlyList<Scenarios.OutputColumn> Columns,
        int RowsPerBatch = 1024,
        long RowsPerPart = 1_000_000)
        : this(Directory, Rank, Scenario, Columns, RowsPerBatch, RowsPerPart, DefaultFlushInterval)
    {
    }

    /// <summary>One second.</summary>
    public static TimeSpan DefaultFlushInterval { get; } = TimeSpan.FromSeconds(1);
}
