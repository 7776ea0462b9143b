namespace Matrix.Mpi.Ranks;

/// <summary>
/// An MPI call failed, or MPI cannot be used as the launcher requires (no library installed, the
/// library did not get the launcher's process management). The message names the call or the cause
/// and is fit to show a user as one line.
/// </summary>
public sealed class MpiException : Exception
{
    public MpiException()
    {
    }

    public MpiException(string message)
        : base(message)
    {
    }

    public MpiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal MpiException(string call, int errorCode, string message)
        : base(message)
    {
        Call = call;
        ErrorCode = errorCode;
    }

    /// <summary>The MPI function that failed (<c>MPI_Allgather</c>, ...), or null when no call failed.</summary>
    public string? Call { get; }

    /// <summary>The MPI error code the call returned, or 0 when no call failed.</summary>
    public int ErrorCode { get; }
}
