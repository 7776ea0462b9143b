namespace Matrix.Mpi.Transport;

/// <summary>
/// Some peer ranks did not answer this rank's HELLO within <see cref="TransportOptions.ConnectTimeout"/>:
/// down, firewalled, a wrong advertised host, or not part of this job.
/// </summary>
public sealed class PeerUnreachableException : Exception
{
    public PeerUnreachableException()
        : this("A peer rank did not answer.")
    {
    }

    public PeerUnreachableException(string message)
        : base(message)
    {
    }

    public PeerUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PeerUnreachableException(string message, IReadOnlyList<int> ranks, IReadOnlyList<string> endpoints)
        : base(message)
    {
        Ranks = ranks;
        Endpoints = endpoints;
    }

    /// <summary>The ranks that did not answer, in rank order.</summary>
    public IReadOnlyList<int> Ranks { get; } = [];

    /// <summary>The endpoints dialled for <see cref="Ranks"/>, in the same order.</summary>
    public IReadOnlyList<string> Endpoints { get; } = [];
}
