using System.Text.Json;

namespace Matrix.Tests.Mpi;

/// <summary>The MPI binding in real ranks: the probe started by Open MPI's mpiexec, and alone.</summary>
[TestClass]
[TestCategory("cluster")]
public sealed class MpiProbeTests
{
    private static List<JsonElement> Lines(ProcessResult run)
    {
        try
        {
            return [.. run.OutLines.Select(line => JsonDocument.Parse(line).RootElement).OrderBy(e => e.GetProperty("rank").GetInt32())];
        }
        catch (JsonException e)
        {
            Assert.Fail($"the probe printed a line that is not one JSON object ({e.Message}): {run}");
            throw;
        }
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString() ?? "")];

    [TestMethod]
    public async Task Three_ranks_under_mpiexec_allgather_variable_length_contributions_in_rank_order()
    {
        var run = await MpiProcess.MpiexecProbeAsync(3);

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var ranks = Lines(run);
        Assert.HasCount(3, ranks, run.ToString());
        for (var r = 0; r < 3; r++)
        {
            var rank = ranks[r];
            Assert.AreEqual(r, rank.GetProperty("rank").GetInt32(), run.ToString());
            Assert.AreEqual(3, rank.GetProperty("size").GetInt32());
            Assert.AreEqual("MpiExec", rank.GetProperty("launcher").GetString());
            Assert.StartsWith("Open MPI", rank.GetProperty("library").GetString() ?? "");
            Assert.AreEqual(3, rank.GetProperty("threadLevel").GetInt32(), "MPI_THREAD_MULTIPLE was asked for and Open MPI grants it");
            CollectionAssert.AreEqual(new[] { "x0", "xx1", "xxx2" }, Strings(rank.GetProperty("gathered")));
            CollectionAssert.AreEqual(new[] { 0, 0, 0 }, rank.GetProperty("emptyLengths").EnumerateArray().Select(e => e.GetInt32()).ToArray());
            Assert.IsTrue(rank.GetProperty("bigOk").GetBoolean(), "100 kB-300 kB contributions came back intact");
        }

        var report = ranks[0].GetProperty("report").GetString() ?? "";
        var reportLines = report.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual("3 ranks on 1 host", reportLines[0]);
        Assert.HasCount(4, reportLines, report);
        for (var r = 0; r < 3; r++)
        {
            Assert.StartsWith($"rank {r}/3 host ", reportLines[r + 1]);
        }

        Assert.AreEqual("", ranks[1].GetProperty("report").GetString());
        Assert.AreEqual("", ranks[2].GetProperty("report").GetString());
    }

    [TestMethod]
    public async Task Without_a_launcher_the_probe_is_one_rank_and_loads_no_MPI()
    {
        var run = await MpiProcess.ProbeAloneAsync();

        Assert.AreEqual(0, run.ExitCode, run.ToString());
        var rank = Assert.ContainsSingle(Lines(run));
        Assert.AreEqual(0, rank.GetProperty("rank").GetInt32());
        Assert.AreEqual(1, rank.GetProperty("size").GetInt32());
        Assert.AreEqual("None", rank.GetProperty("launcher").GetString());
        Assert.AreEqual("none", rank.GetProperty("library").GetString());
        CollectionAssert.AreEqual(new[] { "x0" }, Strings(rank.GetProperty("gathered")));
    }

    [TestMethod]
    public async Task Srun_environment_whose_task_count_MPI_does_not_see_exits_2_with_one_line()
    {
        // One MPI rank that srun's variables say is one of two: what MPICH under srun --mpi=pmix does.
        var run = await MpiProcess.MpiexecProbeAsync(1, "SLURM_STEP_ID=0", "SLURM_JOB_ID=1", "SLURM_NTASKS=2", "SLURM_PROCID=0");

        Assert.AreEqual(2, run.ExitCode, run.ToString());
        Assert.AreEqual("", run.Out.Trim(), run.ToString());
        var line = Assert.ContainsSingle(run.Error.Split('\n').Where(l => l.StartsWith("mpi-probe:", StringComparison.Ordinal)));
        Assert.AreEqual(
            "mpi-probe: MPI reports 1 rank but SLURM_NTASKS=2: the MPI library did not get srun's process management (with Debian's MPICH use --mpi=pmi2, with OpenMPI --mpi=pmix)",
            line);
        Assert.DoesNotContain("   at ", run.Error, "no stack trace");
    }
}
