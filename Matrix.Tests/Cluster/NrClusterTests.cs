using System.Diagnostics;
using System.Text.Json;
using Matrix.Store.Arrow;
using Matrix.Tests.Support;

namespace Matrix.Tests.Cluster;

/// <summary>nr as several MPI ranks and across a kill -9 with --resume: the same records as one uninterrupted rank.</summary>
[TestClass]
public sealed class NrClusterTests
{
    private const int Tasks = 1200;
    private static readonly string[] Nr = ["run", "nr", "--tasks", "1200", "--seed", "13"];

    private static async Task<List<string>> OneRankAsync(TempDir dir)
    {
        var run = await HostRun.MatrixAsync([.. Nr, "--out", dir["one"], "--set", "sim.zero_latency=true"]);
        Assert.AreEqual(0, run.ExitCode, run.Error);
        return OutputRecords.Of(dir["one"]);
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Mpiexec_3_ranks_write_exactly_the_records_of_one_rank_also_with_each_role_on_another_rank()
    {
        using var dir = new TempDir();
        var one = await OneRankAsync(dir);

        var plain = await Launch.MpiExecAsync(3, [.. Nr, "--out", dir["three"], .. Launch.LoopbackSettings, "sim.zero_latency=true"]);
        // Every step on another rank than the last: documents, states and offloaded turns cross ranks.
        var pinned = await Launch.MpiExecAsync(
            3,
            [.. Nr, "--out", dir["pinned"], .. Launch.LoopbackSettings, "sim.zero_latency=true", "placement.filter=1", "placement.score=2", "placement.question=0"]);

        Assert.AreEqual(0, plain.ExitCode, plain.Error);
        Assert.AreEqual(0, pinned.ExitCode, pinned.Error);
        Assert.HasCount(3, PartReader.ListParts(dir["three"]).Select(p => Path.GetFileName(p)[..10]).Distinct().ToList(), "one part file series per rank");
        CollectionAssert.AreEqual(one, OutputRecords.Of(dir["three"]));
        CollectionAssert.AreEqual(one, OutputRecords.Of(dir["pinned"]));
        var manifest = JsonDocument.Parse(File.ReadAllText(dir["pinned/manifest.json"])).RootElement;
        Assert.AreEqual(3, manifest.GetProperty("ranks").GetInt32());
        var sent = manifest.GetProperty("per_rank").EnumerateArray()
            .Sum(rank => rank.GetProperty("peers").EnumerateArray().Sum(p => p.GetProperty("orchestrators_sent").GetInt64()));
        Assert.IsGreaterThanOrEqualTo(Tasks, sent, "every task left its rank at least once");
        Assert.IsGreaterThan(0L, manifest.GetProperty("store").GetProperty("fetches_remote").GetInt64(), "offloaded documents were fetched from another rank");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public async Task One_rank_killed_at_a_random_moment_then_resumed_writes_every_document_once()
    {
        using var dir = new TempDir();
        var reference = await OneRankAsync(dir);
        var killAfter = TimeSpan.FromMilliseconds(new Random().Next(600, 2000));

        var (killed, _) = await RunAsync(dir["crashy"], killAfter);
        var (_, resumed) = await RunAsync(dir["crashy"], killAfter: null);

        Assert.IsTrue(killed, $"the run was still going after {killAfter.TotalMilliseconds} ms");
        StringAssert.Contains(resumed, "tasks already had records", "the second run resumed the first");
        var check = await Repo.RunAsync("node", [Repo.Reader("check-run.mjs"), dir["crashy"], Tasks.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromMinutes(2));
        Assert.AreEqual(0, check.ExitCode, "independent reader: " + check.Error + check.Out);
        CollectionAssert.AreEqual(reference, OutputRecords.Of(dir["crashy"]), "records differ from an uninterrupted run");
    }

    /// <summary>
    /// The real executable on a slow simulated fleet (latency never changes records), resuming when the directory
    /// holds a run; kill -9 after <paramref name="killAfter"/>. Whether it was killed, and what it printed.
    /// </summary>
    private static async Task<(bool Killed, string Output)> RunAsync(string outDir, TimeSpan? killAfter)
    {
        var resume = File.Exists(Path.Combine(outDir, "run.json"));
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] args =
        [
            Repo.MatrixDll, .. Nr, "--out", outDir, .. (resume ? new[] { "--resume" } : []),
            "--set", "sim.decode_ms=0.4", "output.flush_seconds=0.2", "output.rows_per_batch=64",
        ];
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["TERM"] = "dumb";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var killed = false;
        if (killAfter is { } delay)
        {
            await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(delay));
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: false);
                killed = true;
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout + await stderr;
        if (!killed)
        {
            Assert.AreEqual(0, process.ExitCode, output);
        }

        return (killed, output);
    }
}
