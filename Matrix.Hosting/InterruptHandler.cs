using System.Runtime.InteropServices;

namespace Matrix.Hosting;

/// <summary>First Ctrl+C or SIGTERM: stop admitting and finish cleanly. A second Ctrl+C: exit at once.</summary>
internal sealed class InterruptHandler : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly PosixSignalRegistration _sigterm;
    private int _count;

    public InterruptHandler(CancellationToken outer)
    {
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        Console.CancelKeyPress += OnCancelKeyPress;
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx =>
        {
            ctx.Cancel = true;
            _cts.Cancel();
        });
    }

    public CancellationToken Token => _cts.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        _sigterm.Dispose();
        _cts.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        if (Interlocked.Increment(ref _count) == 1)
        {
            e.Cancel = true;
            Console.Error.WriteLine();
            Console.Error.WriteLine("matrix: stopping: finishing the tasks in flight (Ctrl+C again to abort)");
            _cts.Cancel();
        }
    }
}
