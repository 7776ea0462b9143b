using System.Text.Json;
using Matrix.Tests.Support;

namespace Matrix.Tests.Cluster;

/// <summary>Content above the threshold lives in the FASTER store; records do not change, bytes on the wire do.</summary>
[TestClass]
[TestCategory("cluster")]
public sealed class OffloadingTests
{
    private static readonly string[] Coral = ["run", "coral", "--tasks", "1200", "--seed", "31"];
    private static readonly string[] Pinned = ["transport.advertise_host=127.0.0.1", "transport.bind=127.0.0.1", "sim.zero_latency=true", "placement.teacher=0", "placement.student=1", "placement.extractor=2", "placement.matcher=0"];

    private static JsonElement Manifest(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))).RootElement;

    private static long OrchestratorBytes(JsonElement manifest) => manifest.GetProperty("per_rank").EnumerateArray()
        .SelectMany(r => r.GetProperty("peers").EnumerateArray()).Sum(p => p.GetProperty("bytes_sent").GetInt64());

    [TestMethod]
    public async Task One_rank_gives_the_same_records_with_offloading_on_and_off()
    {
        using var dir = new TempDir();
        var on = await HostRun.MatrixAsync([.. Coral, "--out", dir["on"], "--set", "sim.zero_latency=true"]);
        var off = await HostRun.MatrixAsync([.. Coral, "--out", dir["off"], "--set", "sim.zero_latency=true", "store.offload_bytes=0"]);
        Assert.AreEqual(0, on.ExitCode, on.Error);
        Assert.AreEqual(0, off.ExitCode, off.Error);

        CollectionAssert.AreEqual(OutputRecords.Of(dir["off"]), OutputRecords.Of(dir["on"]));
        var store = Manifest(dir["on"]).GetProperty("store");
        Assert.AreEqual(512, store.GetProperty("offload_bytes").GetInt32());
        Assert.IsGreaterThan(0L, store.GetProperty("offloaded_bytes").GetInt64());
        Assert.IsGreaterThan(0L, store.GetProperty("fetches_local").GetInt64());
        Assert.AreEqual(0L, store.GetProperty("fetches_remote").GetInt64());
        Assert.AreEqual(0L, Manifest(dir["off"]).GetProperty("store").GetProperty("puts").GetInt64());
        Assert.IsFalse(Directory.EnumerateFiles(dir["on"], "*", SearchOption.AllDirectories).Any(f => f.Contains("/.work/", StringComparison.Ordinal)), "the stores' files are removed after the run");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task Three_ranks_fetch_content_from_its_owner_and_send_fewer_bytes_with_the_same_records()
    {
        using var dir = new TempDir();
        var reference = await HostRun.MatrixAsync([.. Coral, "--out", dir["one"], "--set", "sim.zero_latency=true", "store.offload_bytes=0"]);
        Assert.AreEqual(0, reference.ExitCode, reference.Error);

        var on = await Launch.MpiExecAsync(3, [.. Coral, "--out", dir["on"], "--set", .. Pinned]);
        var off = await Launch.MpiExecAsync(3, [.. Coral, "--out", dir["off"], "--set", .. Pinned, "store.offload_bytes=0"]);
        Assert.AreEqual(0, on.ExitCode, on.Error);
        Assert.AreEqual(0, off.ExitCode, off.Error);

        var expected = OutputRecords.Of(dir["one"]);
        CollectionAssert.AreEqual(expected, OutputRecords.Of(dir["on"]));
        CollectionAssert.AreEqual(expected, OutputRecords.Of(dir["off"]));
        var withOffload = Manifest(dir["on"]);
        Assert.IsGreaterThan(0L, withOffload.GetProperty("store").GetProperty("fetches_remote").GetInt64(), "agents read content owned by other ranks");
        Assert.IsLessThan(OrchestratorBytes(Manifest(dir["off"])), OrchestratorBytes(withOffload), "orchestrators carry references instead of text");
    }
}
