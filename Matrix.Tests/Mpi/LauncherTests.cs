using System.Collections;
using Matrix.Mpi.Native;
using Matrix.Mpi.Ranks;

namespace Matrix.Tests.Mpi;

/// <summary>How the environment says a process was started, and what Launcher does about it.</summary>
[TestClass]
[TestCategory("cluster")]
public sealed class LauncherTests
{
    private static Hashtable Env(params string[] pairs)
    {
        var env = new Hashtable();
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            env[pair[..eq]] = pair[(eq + 1)..];
        }

        return env;
    }

    private static readonly string[] Srun2 = ["SLURM_STEP_ID=0", "SLURM_JOB_ID=42", "SLURM_NTASKS=2", "SLURM_PROCID=1"];

    [TestMethod]
    public void No_launcher_variables_is_None()
    {
        Assert.AreEqual(LaunchKind.None, Launcher.Detect(Env()));
        Assert.AreEqual(LaunchKind.None, Launcher.Detect(Env("PATH=/usr/bin", "HOME=/root", "TERM=dumb")));
    }

    [TestMethod]
    public void Open_MPI_mpiexec_is_MpiExec()
    {
        Assert.AreEqual(LaunchKind.MpiExec, Launcher.Detect(Env("OMPI_COMM_WORLD_SIZE=3", "OMPI_COMM_WORLD_RANK=0", "PMIX_RANK=0")));
        Assert.AreEqual(LaunchKind.MpiExec, Launcher.Detect(Env("PMIX_RANK=2")));
    }

    [TestMethod]
    public void MPICH_hydra_mpiexec_is_MpiExec()
    {
        Assert.AreEqual(LaunchKind.MpiExec, Launcher.Detect(Env("PMI_RANK=0", "PMI_SIZE=3", "PMI_FD=6")));
    }

    [TestMethod]
    public void Srun_is_Srun_also_when_the_MPI_plugin_sets_PMI_variables()
    {
        Assert.AreEqual(LaunchKind.Srun, Launcher.Detect(Env(Srun2)));
        Assert.AreEqual(LaunchKind.Srun, Launcher.Detect(Env([.. Srun2, "PMIX_RANK=1"])), "srun --mpi=pmix");
        Assert.AreEqual(LaunchKind.Srun, Launcher.Detect(Env([.. Srun2, "PMI_SIZE=2", "PMI_RANK=1"])), "srun --mpi=pmi2");
        Assert.AreEqual(LaunchKind.Srun, Launcher.Detect(Env("SLURM_JOB_ID=42", "SLURM_NTASKS=2", "SLURM_PROCID=0")));
    }

    [TestMethod]
    public void Slurm_allocation_without_task_variables_is_not_Srun()
    {
        // salloc/sbatch set the job id but a process gets SLURM_PROCID only as a task.
        Assert.AreEqual(LaunchKind.None, Launcher.Detect(Env("SLURM_JOB_ID=42", "SLURM_NTASKS=2")));
        Assert.AreEqual(LaunchKind.None, Launcher.Detect(Env("SLURM_NTASKS=2", "SLURM_PROCID=0")));
        Assert.AreEqual(LaunchKind.None, Launcher.Detect(Env("SLURM_JOB_ID=42", "SLURM_NTASKS= ", "SLURM_PROCID=0")), "blank is unset");
    }

    [TestMethod]
    public void Without_a_launcher_Open_returns_null_and_loads_no_library()
    {
        var exchange = Launcher.Open(Env("PATH=/usr/bin"), ["libno-such-mpi.so.1"], out var kind);

        Assert.IsNull(exchange);
        Assert.AreEqual(LaunchKind.None, kind);
    }

    [TestMethod]
    public void Under_srun_without_an_MPI_library_Open_says_what_to_install()
    {
        var e = Assert.ThrowsExactly<MpiException>(() => Launcher.Open(Env(Srun2), ["libno-such-mpi.so.1"], out _));

        Assert.AreEqual("started by srun but no MPI library (libmpi.so.40 or libmpich.so.12) was found: apt-get install openmpi-bin", e.Message);
    }

    [TestMethod]
    public void Under_mpiexec_without_an_MPI_library_Open_says_what_to_install()
    {
        var e = Assert.ThrowsExactly<MpiException>(() => Launcher.Open(Env("PMI_SIZE=2"), ["libno-such-mpi.so.1"], out _));

        Assert.StartsWith("started by mpiexec but no MPI library", e.Message);
    }

    [TestMethod]
    public void Srun_size_comes_from_the_step_task_count_first()
    {
        Assert.AreEqual((2, "SLURM_NTASKS"), Launcher.LauncherSize(LaunchKind.Srun, Env(Srun2)));
        Assert.AreEqual((3, "SLURM_STEP_NUM_TASKS"), Launcher.LauncherSize(LaunchKind.Srun, Env([.. Srun2, "SLURM_STEP_NUM_TASKS=3"])));
        Assert.AreEqual((4, "OMPI_COMM_WORLD_SIZE"), Launcher.LauncherSize(LaunchKind.MpiExec, Env("OMPI_COMM_WORLD_SIZE=4", "PMIX_RANK=0")));
        Assert.AreEqual((5, "PMI_SIZE"), Launcher.LauncherSize(LaunchKind.MpiExec, Env("PMI_SIZE=5")));
        Assert.IsNull(Launcher.LauncherSize(LaunchKind.MpiExec, Env("PMIX_RANK=0")));
        Assert.IsNull(Launcher.LauncherSize(LaunchKind.None, Env()));
    }

    [TestMethod]
    public void A_task_count_that_is_not_a_number_is_an_MpiException()
    {
        var e = Assert.ThrowsExactly<MpiException>(() => Launcher.LauncherSize(LaunchKind.Srun, Env("SLURM_JOB_ID=1", "SLURM_NTASKS=two", "SLURM_PROCID=0")));

        Assert.AreEqual("SLURM_NTASKS=two is not a number of tasks", e.Message);
    }

    [TestMethod]
    public void Matching_sizes_pass()
    {
        Launcher.CheckSize(LaunchKind.Srun, Env(Srun2), 2, "libmpi.so.40");
        Launcher.CheckSize(LaunchKind.MpiExec, Env("PMIX_RANK=0"), 7, "libmpi.so.40");
        Launcher.CheckSize(LaunchKind.MpiExec, Env("PMI_SIZE=3"), 3, "libmpich.so.12");
    }

    [TestMethod]
    public void Srun_task_count_MPI_does_not_see_names_the_plugin_to_use()
    {
        var e = Assert.ThrowsExactly<MpiException>(() => Launcher.CheckSize(LaunchKind.Srun, Env(Srun2), 1, "libmpich.so.12"));

        Assert.AreEqual(
            "MPI reports 1 rank but SLURM_NTASKS=2: the MPI library did not get srun's process management (with Debian's MPICH use --mpi=pmi2, with OpenMPI --mpi=pmix)",
            e.Message);
    }

    [TestMethod]
    public void Slurm_task_variables_without_a_step_say_to_start_the_ranks_with_srun()
    {
        var e = Assert.ThrowsExactly<MpiException>(() => Launcher.CheckSize(LaunchKind.Srun, Env("SLURM_JOB_ID=1", "SLURM_NTASKS=4", "SLURM_PROCID=0"), 1, "libmpi.so.40"));

        Assert.AreEqual("MPI reports 1 rank but SLURM_NTASKS=4: this process was not started by srun (SLURM_STEP_ID is not set): start the ranks with srun -n 4", e.Message);
    }

    [TestMethod]
    public void Mpiexec_of_another_MPI_than_the_loaded_library_is_named()
    {
        var e = Assert.ThrowsExactly<MpiException>(() => Launcher.CheckSize(LaunchKind.MpiExec, Env("PMI_SIZE=3", "PMI_RANK=0"), 1, "libmpi.so.40"));

        Assert.StartsWith("MPI reports 1 rank but PMI_SIZE=3: the MPI library this process loaded (libmpi.so.40) does not belong to the mpiexec", e.Message);
    }

    [TestMethod]
    public void MPICH_launchers_try_MPICH_first()
    {
        Assert.AreEqual("libmpich.so.12", Launcher.LibraryNames(Env("PMI_SIZE=2", "PMI_RANK=0", "PMI_FD=6"))[0]);
        Assert.AreEqual("libmpi.so.40", Launcher.LibraryNames(Env("OMPI_COMM_WORLD_SIZE=2", "PMIX_RANK=0"))[0]);
        Assert.AreEqual("libmpi.so.40", Launcher.LibraryNames(Env(Srun2))[0]);
        CollectionAssert.AreEquivalent(MpiLibrary.DefaultNames.ToArray(), Launcher.LibraryNames(Env("PMI_SIZE=2")).ToArray());
    }
}
