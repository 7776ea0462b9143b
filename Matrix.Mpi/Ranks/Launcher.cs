using System.Collections;
using System.Globalization;
using Matrix.Mpi.Native;

namespace Matrix.Mpi.Ranks;

/// <summary>
/// Decides from the environment whether srun or mpiexec started this process and, if so, opens the
/// MPI rank exchange; without a launcher the caller runs as the only rank and no MPI library is needed.
/// </summary>
public static class Launcher
{
    private static readonly IReadOnlyList<string> MpichFirst = ["libmpich.so.12", "libmpi.so.12", "libmpi.so.40"];

    /// <summary>How this process was started, from the process environment.</summary>
    public static LaunchKind Detect() => Detect(Environment.GetEnvironmentVariables());

    /// <summary>
    /// How a process with <paramref name="environment"/> was started. srun wins over the MPI variables:
    /// under srun the MPI library may set them as well (PMIX_RANK with --mpi=pmix, PMI_SIZE with --mpi=pmi2).
    /// </summary>
    public static LaunchKind Detect(IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (Has(environment, "SLURM_NTASKS") && Has(environment, "SLURM_PROCID")
            && (Has(environment, "SLURM_STEP_ID") || Has(environment, "SLURM_JOB_ID")))
        {
            return LaunchKind.Srun;
        }

        return Has(environment, "OMPI_COMM_WORLD_SIZE") || Has(environment, "PMI_SIZE") || Has(environment, "PMIX_RANK")
            ? LaunchKind.MpiExec
            : LaunchKind.None;
    }

    /// <summary>The rank exchange of this process's job, or null when no launcher started it.</summary>
    /// <inheritdoc cref="Open(out LaunchKind)" path="/exception"/>
    public static MpiRankExchange? Open() => Open(out _);

    /// <summary>
    /// With no launcher: null, and no MPI library is loaded. Under srun or mpiexec: loads the MPI library,
    /// initializes MPI (once per process) and checks that MPI sees as many ranks as the launcher started.
    /// </summary>
    /// <exception cref="MpiException">
    /// No MPI library is installed, an MPI call failed, or MPI's size differs from the launcher's task
    /// count (the library did not get the launcher's process management: every rank would run alone).
    /// </exception>
    public static MpiRankExchange? Open(out LaunchKind kind) => Open(Environment.GetEnvironmentVariables(), null, out kind);

    internal static MpiRankExchange? Open(IDictionary environment, IReadOnlyList<string>? libraryNames, out LaunchKind kind)
    {
        kind = Detect(environment);
        if (kind == LaunchKind.None)
        {
            return null;
        }

        var mpi = MpiLibrary.TryLoad(libraryNames ?? LibraryNames(environment))
            ?? throw new MpiException($"started by {Name(kind)} but no MPI library (libmpi.so.40 or libmpich.so.12) was found: apt-get install openmpi-bin");
        var exchange = MpiRankExchange.Initialize(mpi);
        try
        {
            CheckSize(kind, environment, exchange.Size, exchange.LibraryFile);
        }
        catch (MpiException)
        {
            exchange.Dispose();
            throw;
        }

        return exchange;
    }

    /// <summary>
    /// The number of ranks the launcher started and the variable that says so: SLURM_STEP_NUM_TASKS or
    /// SLURM_NTASKS under srun, OMPI_COMM_WORLD_SIZE or PMI_SIZE under mpiexec; null when it does not say.
    /// </summary>
    internal static (int Size, string Variable)? LauncherSize(LaunchKind kind, IDictionary environment)
    {
        string[] variables = kind switch
        {
            LaunchKind.Srun => ["SLURM_STEP_NUM_TASKS", "SLURM_NTASKS"],
            LaunchKind.MpiExec => ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"],
            _ => [],
        };
        foreach (var variable in variables)
        {
            if (Value(environment, variable) is not { } text)
            {
                continue;
            }

            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size > 0
                ? (size, variable)
                : throw new MpiException($"{variable}={text} is not a number of tasks");
        }

        return null;
    }

    /// <summary>Fails when MPI's size differs from the launcher's: each rank would otherwise work alone, silently.</summary>
    internal static void CheckSize(LaunchKind kind, IDictionary environment, int mpiSize, string libraryFile)
    {
        if (LauncherSize(kind, environment) is not var (expected, variable) || expected == mpiSize)
        {
            return;
        }

        var reports = $"MPI reports {mpiSize} rank{(mpiSize == 1 ? "" : "s")} but {variable}={expected}";
        throw new MpiException(kind switch
        {
            LaunchKind.Srun when !Has(environment, "SLURM_STEP_ID") =>
                $"{reports}: this process was not started by srun (SLURM_STEP_ID is not set): start the ranks with srun -n {expected}",
            LaunchKind.Srun =>
                $"{reports}: the MPI library did not get srun's process management (with Debian's MPICH use --mpi=pmi2, with OpenMPI --mpi=pmix)",
            _ =>
                $"{reports}: the MPI library this process loaded ({libraryFile}) does not belong to the mpiexec that started it (Open MPI's mpiexec needs libmpi.so.40, MPICH's libmpich.so.12)",
        });
    }

    /// <summary>The MPI libraries to try: MPICH's first when only MPICH's PMI variables are set.</summary>
    internal static IReadOnlyList<string> LibraryNames(IDictionary environment)
    {
        var mpichLauncher = (Has(environment, "PMI_SIZE") || Has(environment, "PMI_RANK") || Has(environment, "PMI_FD"))
            && !Has(environment, "OMPI_COMM_WORLD_SIZE") && !Has(environment, "PMIX_RANK");
        return mpichLauncher ? MpichFirst : MpiLibrary.DefaultNames;
    }

    private static string Name(LaunchKind kind) => kind == LaunchKind.Srun ? "srun" : "mpiexec";

    private static bool Has(IDictionary environment, string name) => Value(environment, name) is not null;

    private static string? Value(IDictionary environment, string name) =>
        environment[name] is string value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
