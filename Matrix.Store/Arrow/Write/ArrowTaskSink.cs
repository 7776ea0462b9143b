using Apache.Arrow;
using Apache.Arrow.Ipc;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Output;

namespace Matrix.Store.Arrow.Write;

/// <summary>
/// Writes one rank's finished tasks as Arrow IPC stream parts (<c>part-&lt;rank&gt;-&lt;seq&gt;.arrow</c>):
/// one record batch per <see cref="SinkOptions.RowsPerBatch"/> rows, a new part every
/// <see cref="SinkOptions.RowsPerPart"/> rows. A part is opened on its first row, so a run with no rows
/// writes no file. Rows are also written out (and the file flushed to the OS) once the oldest of them has
/// waited <see cref="SinkOptions.FlushInterval"/>, so that <c>kill -9</c> loses little. Used from one
/// thread at a time (the <see cref="ITaskSink"/> contract).
/// </summary>
internal sealed class ArrowTaskSink : ITaskSink
{
    /// <summary>
    /// A batch is written early when its buffers pass this size: long conversations could otherwise
    /// push a utf8 column of one batch past Arrow's 2 GiB int32 offsets, and memory with it.
    /// </summary>
    private const long MaxBatchBytes = 256L << 20;

    private readonly SinkOptions _options;
    private readonly Schema _schema;
    private readonly RowBatchBuilder _batch;
    private readonly List<string> _files = [];
    private readonly TimeProvider _time;

    private FileStream? _stream;
    private ArrowStreamWriter? _writer;
    private int _nextSeq;
    private long _partRows;
    private long _rows;
    private long _closedBytes;
    private bool _disposed;

    // When the oldest row not yet flushed to the OS (buffered here or in the file stream) was added.
    private DateTimeOffset? _unflushedSince;

    public ArrowTaskSink(SinkOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FlushInterval, TimeSpan.Zero);
        _options = options;
        _time = options.Time ?? TimeProvider.System;
        _schema = OutputSchema.Create(options.Columns);
        _batch = new RowBatchBuilder(_schema, options.Scenario, options.Columns);
        Directory.CreateDirectory(options.Directory);
        _nextSeq = PartFiles.NextSequence(options.Directory, options.Rank);
    }

    /// <summary>Rows counts rows written to the stream (not those still buffered); Bytes includes the open part.</summary>
    public SinkStatistics Statistics =>
        new(_rows, _files.Count, _closedBytes + (_stream?.Position ?? 0), _files.ToArray());

    public ValueTask WriteAsync(Orchestrator task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _batch.Append(task);

        // The wall clock (GetUtcNow, which every fake clock moves) rather than GetTimestamp; should it step
        // back, the wait restarts instead of growing by the step.
        var now = _time.GetUtcNow();
        if (_unflushedSince is not { } since || since > now)
        {
            _unflushedSince = since = now;
        }

        // Synchronous (no state machine) for every row but one that completes a batch or is due.
        if (now - since >= _options.FlushInterval)
        {
            return FlushAsync(cancellationToken);
        }

        var full = _batch.Count >= _options.RowsPerBatch
            || _partRows + _batch.Count >= _options.RowsPerPart
            || _batch.ByteLength >= MaxBatchBytes;
        return full ? WriteBatchAsync(cancellationToken) : ValueTask.CompletedTask;
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await WriteBatchAsync(cancellationToken).ConfigureAwait(false);
        if (_stream is not null)
        {
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        _unflushedSince = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await WriteBatchAsync(CancellationToken.None).ConfigureAwait(false);
            await ClosePartAsync().ConfigureAwait(false);
        }
        finally
        {
            // Only reached with an open part if writing failed above: release the file anyway.
            _writer?.Dispose();
            if (_stream is not null)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async ValueTask WriteBatchAsync(CancellationToken cancellationToken)
    {
        if (_batch.Count == 0)
        {
            return;
        }

        // Cancellation is honoured before a batch starts, never halfway through one: a half-written
        // message would leave a part that no reader can open.
        cancellationToken.ThrowIfCancellationRequested();
        var writer = _writer ?? OpenPart();
        var rows = _batch.Count;
        using (var batch = _batch.Build())
        {
            await writer.WriteRecordBatchAsync(batch, CancellationToken.None).ConfigureAwait(false);
        }

        _batch.Clear();
        _partRows += rows;
        _rows += rows;
        if (_partRows >= _options.RowsPerPart)
        {
            await ClosePartAsync().ConfigureAwait(false);
        }
    }

    private ArrowStreamWriter OpenPart()
    {
        var path = Path.Combine(_options.Directory, PartFiles.Name(_options.Rank, _nextSeq));

        // CreateNew: a part of an earlier run is never overwritten.
        _stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            Options = FileOptions.Asynchronous,
            BufferSize = 1 << 16,
        });
        _writer = new ArrowStreamWriter(_stream, _schema, leaveOpen: true);
        _nextSeq++;
        _partRows = 0;
        _files.Add(path);
        return _writer;
    }

    private async ValueTask ClosePartAsync()
    {
        if (_writer is null || _stream is null)
        {
            return;
        }

        // The end-of-stream marker tells readers the part is complete (a crash leaves none).
        await _writer.WriteEndAsync(CancellationToken.None).ConfigureAwait(false);
        await _stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        _closedBytes += _stream.Position;
        _writer.Dispose();
        _writer = null;
        await _stream.DisposeAsync().ConfigureAwait(false);
        _stream = null;
        if (_batch.Count == 0)
        {
            _unflushedSince = null;
        }
    }
}
