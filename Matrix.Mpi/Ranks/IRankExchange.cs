namespace Matrix.Mpi.Ranks;

/// <summary>
/// The collective operations the ranks of a job use to find each other: MPI (Allgather, Barrier) under
/// srun or mpiexec, or an in-process stand-in for tests. Every rank must make the same calls in the
/// same order.
/// </summary>
public interface IRankExchange : IDisposable
{
    int Rank { get; }

    int Size { get; }

    /// <summary>Every rank contributes <paramref name="mine"/> and gets every rank's contribution, in rank order.</summary>
    Task<byte[][]> AllgatherAsync(ReadOnlyMemory<byte> mine, CancellationToken cancellationToken = default);

    /// <summary>Returns when every rank has called it.</summary>
    Task BarrierAsync(CancellationToken cancellationToken = default);
}
