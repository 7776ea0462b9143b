using System.Diagnostics;
using Matrix.Engine.Orchestration;

namespace Matrix.Engine.Runtime;

/// <summary>
/// Where a rank's schedulers time their tasks, with two clock reads per hop and no lock:
/// <list type="bullet">
/// <item>a <b>hop</b> runs from the moment a step's route is dispatched (the previous agent step ended, or
/// the task was admitted) to the moment the next agent step starts: queueing and transport, and the
/// scenario's routing in between;</item>
/// <item>a <b>task</b> runs from its admission to the moment its sink takes it;</item>
/// <item>a task's <b>queued time</b> is the sum of its hops plus the last hand-off from its final step to
/// the sink: the time it spent outside agent steps.</item>
/// </list>
/// The hop start travels on the orchestrator (<see cref="Orchestrator.DispatchedAt"/>), and across ranks as
/// wall-clock time (<see cref="Transport.OrchestratorCodec"/>), so a hop that crosses ranks counts its
/// transport too.
/// </summary>
internal sealed class LatencyRecorder
{
    private readonly TimeProvider _time;
    private readonly bool _system;
    private readonly double _nanosecondsPerTick;
    private readonly LatencyHistogram _hops = new();
    private readonly LatencyHistogram _tasks = new();
    private long _queuedNanoseconds;
    private long _taskNanoseconds;

    public LatencyRecorder(TimeProvider time)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _system = ReferenceEquals(time, TimeProvider.System);
        _nanosecondsPerTick = 1e9 / time.TimestampFrequency;
    }

    /// <summary>The clock (<see cref="Stopwatch"/> itself for the system clock: no virtual call in the hot path).</summary>
    public long Now() => _system ? Stopwatch.GetTimestamp() : _time.GetTimestamp();

    /// <summary>A task was admitted at <paramref name="now"/>: its first hop starts.</summary>
    public static void OnAdmitted(Orchestrator task, long now)
    {
        task.AdmittedAt = now;
        task.DispatchedAt = now;
    }

    /// <summary>An agent step starts: the hop that led here ends.</summary>
    public void OnStepStart(Orchestrator task)
    {
        var hop = ToNanoseconds(Now() - task.DispatchedAt);
        _hops.Record(hop);
        task.QueuedNanoseconds += hop;
    }

    /// <summary>An agent step ended (done, or failed): the next hop starts.</summary>
    public void OnStepEnd(Orchestrator task) => task.DispatchedAt = Now();

    /// <summary>The sink takes a finished task: its latency and queued time are complete.</summary>
    public void OnSinkTake(Orchestrator task)
    {
        var now = Now();
        task.QueuedNanoseconds += ToNanoseconds(now - task.DispatchedAt);
        var latency = ToNanoseconds(now - task.AdmittedAt);
        _tasks.Record(latency);
        Interlocked.Add(ref _queuedNanoseconds, Math.Min(task.QueuedNanoseconds, latency));
        Interlocked.Add(ref _taskNanoseconds, latency);
    }

    public LatencySummary Snapshot() => new(_hops.Snapshot(), _tasks.Snapshot(), Interlocked.Read(ref _queuedNanoseconds), Interlocked.Read(ref _taskNanoseconds));

    private long ToNanoseconds(long ticks) => ticks <= 0 ? 0 : (long)(ticks * _nanosecondsPerTick);
}

/// <summary>
/// One rank's (or, merged, the job's) latency figures: hop and task latency histograms (nanoseconds) and
/// the sums behind the queued share.
/// </summary>
/// <param name="Hops">One value per agent step: the hop that led to it.</param>
/// <param name="Tasks">One value per finished task: admission to sink.</param>
/// <param name="QueuedNanoseconds">Σ queued time over finished tasks.</param>
/// <param name="TaskNanoseconds">Σ task latency over finished tasks.</param>
public sealed record LatencySummary(LatencyHistogramSnapshot Hops, LatencyHistogramSnapshot Tasks, long QueuedNanoseconds, long TaskNanoseconds)
{
    public static LatencySummary Empty { get; } = new(LatencyHistogramSnapshot.Empty, LatencyHistogramSnapshot.Empty, 0, 0);

    /// <summary>Σ queued time / Σ task latency over finished tasks (Matrix's "queuing share"); 0 with no task.</summary>
    public double QueuedShare => TaskNanoseconds <= 0 ? 0 : (double)QueuedNanoseconds / TaskNanoseconds;

    public static LatencySummary Merge(IEnumerable<LatencySummary> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var list = parts.ToList();
        return new LatencySummary(
            LatencyHistogramSnapshot.Merge(list.Select(p => p.Hops)),
            LatencyHistogramSnapshot.Merge(list.Select(p => p.Tasks)),
            list.Sum(p => p.QueuedNanoseconds),
            list.Sum(p => p.TaskNanoseconds));
    }
}
