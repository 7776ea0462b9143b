using System.Globalization;

namespace Matrix.Hosting.Logging;

/// <summary>
/// The rank every log line carries. Before the rank session opens (the LLM pools are checked first) it is
/// read from the launcher's environment (Open MPI, MPICH/PMI, PMIx, Slurm); the session then sets it.
/// </summary>
internal sealed class LogRank
{
    private static readonly string[] Variables = ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"];

    private volatile int _rank = FromEnvironment();

    public int Value
    {
        get => _rank;
        set => _rank = value;
    }

    private static int FromEnvironment()
    {
        foreach (var name in Variables)
        {
            if (int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var rank))
            {
                return rank;
            }
        }

        return 0;
    }
}
