using System.Diagnostics;

namespace Matrix.Engine.Runtime;

/// <summary>
/// What this process has cost so far: CPU time over all its threads (<see cref="Process.TotalProcessorTime"/>)
/// and its peak resident memory (<see cref="Process.PeakWorkingSet64"/>, Linux's VmHWM). Whole-process
/// figures: start-up included, and cumulative over several runs in one process.
/// </summary>
public sealed record ProcessFigures(double CpuSeconds, long PeakMemoryBytes)
{
    public static ProcessFigures Capture()
    {
        using var self = Process.GetCurrentProcess();
        return new ProcessFigures(self.TotalProcessorTime.TotalSeconds, self.PeakWorkingSet64);
    }
}
