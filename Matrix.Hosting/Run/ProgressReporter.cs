using System.Globalization;
using Matrix.Engine.Runtime;

namespace Matrix.Hosting.Run;

/// <summary>
/// Shows a run's progress on stderr: a live line redrawn every half second on a terminal, a log line
/// every <c>progress.interval_seconds</c> otherwise (batch jobs, CI). It reads counters on its own timer
/// and never touches the engine's inner loop.
/// </summary>
internal sealed class ProgressReporter : IAsyncDisposable
{
    private readonly Func<CounterSnapshot> _counters;
    private readonly long? _expected;
    private readonly TextWriter _error;
    private readonly bool _live;
    private readonly string _label;
    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    // counters: the job's counters (on several ranks, rank 0's view of all of them).
    public ProgressReporter(string label, Func<CounterSnapshot> counters, long? expected, TextWriter error, bool live, TimeSpan logInterval, TimeProvider? time = null)
    {
        _label = label;
        _counters = counters;
        _expected = expected;
        _error = error;
        _live = live;
        _time = time ?? TimeProvider.System;
        _started = _time.GetTimestamp();
        _loop = LoopAsync(live ? TimeSpan.FromMilliseconds(500) : logInterval);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        if (_live)
        {
            await _error.WriteLineAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                await WriteAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }

        if (_live)
        {
            await WriteAsync().ConfigureAwait(false);
        }
    }

    private async Task WriteAsync()
    {
        var line = Format();
        if (_live)
        {
            // \r and "erase to end of line" redraw the same terminal line.
            await _error.WriteAsync($"\r{line}\u001b[K").ConfigureAwait(false);
        }
        else
        {
            await _error.WriteLineAsync($"progress: {line}").ConfigureAwait(false);
        }

        await _error.FlushAsync().ConfigureAwait(false);
    }

    internal string Format()
    {
        var elapsed = _time.GetElapsedTime(_started);
        var c = _counters();
        var done = c.Finished;
        var seconds = Math.Max(elapsed.TotalSeconds, 1e-3);
        var tokensPerSecond = c.CompletionTokens / seconds;
        var inv = CultureInfo.InvariantCulture;
        var total = _expected is { } e ? string.Create(inv, $"/{e}") : string.Empty;
        var eta = string.Empty;
        if (_expected is { } expected && done > 0 && done < expected)
        {
            eta = " | ETA " + Clock(TimeSpan.FromSeconds(elapsed.TotalSeconds / done * (expected - done)));
        }

        var retries = c.LlmRetries > 0 ? string.Create(inv, $" | {c.LlmRetries} retries") : string.Empty;
        return string.Create(inv, $"[{_label}] {done}{total} done ({c.Failed} failed, {c.Filtered} filtered) | {c.InFlight} in flight | {Rate(done / seconds)} tasks/s | {Rate(tokensPerSecond)} tok/s{retries} | {Clock(elapsed)}{eta}");
    }

    private static string Rate(double value) => value >= 10_000
        ? (value / 1000).ToString("0.0", CultureInfo.InvariantCulture) + "k"
        : value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string Clock(TimeSpan t) => t.TotalHours >= 1
        ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : t.ToString(@"mm\:ss", CultureInfo.InvariantCulture);
}
