namespace Matrix.Mpi.Ranks;

/// <summary>How this process was started, as its environment tells.</summary>
public enum LaunchKind
{
    /// <summary>No launcher: the process is the only rank and needs no MPI library.</summary>
    None,

    /// <summary>mpiexec/mpirun (Open MPI: OMPI_COMM_WORLD_SIZE, PMIX_RANK; MPICH: PMI_SIZE).</summary>
    MpiExec,

    /// <summary>Slurm's srun (SLURM_STEP_ID or SLURM_JOB_ID, with SLURM_NTASKS and SLURM_PROCID).</summary>
    Srun,
}
