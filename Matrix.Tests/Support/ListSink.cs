using System.Collections.Concurrent;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Output;

namespace Matrix.Tests.Support;

/// <summary>Keeps finished tasks in memory, for engine tests that look at orchestrators rather than files.</summary>
internal sealed class ListSink : ITaskSink
{
    private readonly ConcurrentQueue<Orchestrator> _rows = new();
    private readonly Action<Orchestrator>? _onWrite;

    public ListSink(Action<Orchestrator>? onWrite = null) => _onWrite = onWrite;

    public IReadOnlyList<Orchestrator> Rows => [.. _rows];

    public SinkStatistics Statistics => new(_rows.Count, 0, 0, []);

    public ValueTask WriteAsync(Orchestrator task, CancellationToken cancellationToken = default)
    {
        _onWrite?.Invoke(task);
        _rows.Enqueue(task);
        return ValueTask.CompletedTask;
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
