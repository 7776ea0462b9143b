using System.Text.Json;
using Matrix.Tests.Support;

namespace Matrix.Tests.Cluster;

/// <summary><c>matrix run generate</c> on several MPI ranks writes exactly the records of one rank.</summary>
[TestClass]
[TestCategory("cluster")]
public sealed class GenerateClusterTests
{
    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Mpiexec_2_ranks_write_exactly_the_records_of_one_rank()
    {
        using var dir = new TempDir();
        var input = dir["in.jsonl"];
        File.WriteAllLines(input, Enumerable.Range(0, 500).Select(i => JsonSerializer.Serialize(new { id = $"doc-{i}", text = $"text {i}", tags = new[] { "a", $"t{i % 7}" } })));
        string[] args =
        [
            "run", "generate", "--input", input, "--seed", "5", "--prompt", "Tag {{ text }} ({{ tags | join: ', ' }})",
            "--schema", """{"type":"object","properties":{"topic":{"type":"string"},"n":{"type":"integer"}}}""",
        ];

        var one = await HostRun.MatrixAsync([.. args, "--out", dir["one"]]);
        var two = await Launch.MpiExecAsync(2, [.. args, "--out", dir["two"], .. Launch.LoopbackSettings]);

        Assert.AreEqual(0, one.ExitCode, one.Error);
        Assert.AreEqual(0, two.ExitCode, two.Error);
        var records = OutputRecords.Of(dir["one"]);
        Assert.HasCount(500, records);
        CollectionAssert.AreEqual(records, OutputRecords.Of(dir["two"]));
        Assert.Contains("Tag text 3 (a, t3)", records.First(r => r.Contains("\"doc-3#0\"", StringComparison.Ordinal)));
    }
}
