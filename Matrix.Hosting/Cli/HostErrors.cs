using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Mpi.Ranks;
using Matrix.Mpi.Transport;

namespace Matrix.Hosting.Cli;

/// <summary>
/// What the host tells the user about an exception that ends a verb, and the exit code: one line, no stack trace,
/// for everything a user can cause or fix. Anything else is a bug and is left to crash with its stack trace.
/// </summary>
internal static class HostErrors
{
    /// <summary>The line (after <c>matrix: </c>) and exit code for <paramref name="e"/>; null for a bug.</summary>
    public static (string Line, int ExitCode)? Describe(Exception e, bool interrupted) => e switch
    {
        UsageException or SettingsException or InputException => (e.Message, ExitCodes.Usage),
        OperationCanceledException when interrupted => ("interrupted", ExitCodes.Interrupted),

        // A launch mistake (no MPI library, MPI size different from SLURM_NTASKS): the user's to fix.
        MpiException => (e.Message, ExitCodes.Usage),
        PeerUnreachableException or TimeoutException => ($"rank start-up failed: {e.Message}", ExitCodes.RuntimeFailure),
        IOException => (e.Message, ExitCodes.RuntimeFailure),
        _ => null,
    };
}
