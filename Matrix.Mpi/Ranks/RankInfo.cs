namespace Matrix.Mpi.Ranks;

/// <summary>
/// Which rank this process is and how many there are. Without a launcher the process is rank 0 of 1:
/// the embedded default, which needs no MPI library.
/// </summary>
public sealed record RankInfo(int Rank, int Size)
{
    public static RankInfo Single { get; } = new(0, 1);
}
