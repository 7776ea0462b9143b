using System.Text.Json;
using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Domains.Mock;
using Matrix.Scenarios.Tau2.Reward;
using Matrix.Tests.Support;

namespace Matrix.Tests.Scenarios.Tau2;

/// <summary><c>matrix run tau2</c> end to end: the command line, Arrow parts read back by the independent JS reader.</summary>
[TestClass]
public sealed class Tau2RunTests
{
    private static async Task<JsonElement> ReadPartsAsync(string dir)
    {
        var read = await Repo.RunAsync("node", [Repo.Reader("read-parts.mjs"), dir], TimeSpan.FromMinutes(2));
        Assert.AreEqual(0, read.ExitCode, read.Error);
        return JsonDocument.Parse(read.Out).RootElement;
    }

    [TestMethod]
    public async Task The_oracle_earns_full_reward_on_every_task_of_the_built_in_domain()
    {
        using var dir = new TempDir();
        var run = await HostRun.MatrixAsync("run", "tau2", "--llm", "oracle", "--out", dir["out"], "--set", "tau2.sample_size=50");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var parts = await ReadPartsAsync(dir["out"]);
        Assert.AreEqual(50, parts.GetProperty("rows").GetInt32());
        foreach (var record in parts.GetProperty("records").EnumerateArray())
        {
            Assert.AreEqual("taskboard", record.GetProperty("domain").GetString());
            Assert.AreEqual(1.0, record.GetProperty("reward").GetDouble(), record.GetProperty("task_id").GetString());
            Assert.AreEqual("user_stop", record.GetProperty("reason").GetString());
            Assert.AreEqual(JsonValueKind.Null, record.GetProperty("reward_nl").ValueKind);
            var messages = record.GetProperty("messages").EnumerateArray().ToList();
            Assert.AreEqual("assistant", messages[0].GetProperty("role").GetString());
            Assert.AreEqual("user", messages[1].GetProperty("role").GetString());
            Assert.AreEqual("###STOP###", messages[^1].GetProperty("content").GetString());
            // Every tool message answers the call just before it, so the row converts to a chat example as it is.
            for (var i = 0; i < messages.Count; i++)
            {
                if (messages[i].GetProperty("role").GetString() == "tool")
                {
                    Assert.AreNotEqual(JsonValueKind.Null, messages[i - 1].GetProperty("tool_calls").ValueKind);
                }
            }
        }
    }

    [TestMethod]
    public async Task The_oracle_on_the_mock_data_earns_the_offline_rewards()
    {
        using var dir = new TempDir();
        var data = Tau2Data.Folder("mock");
        var run = await HostRun.MatrixAsync("run", "tau2", "--llm", "oracle", "--data", data, "--out", dir["out"]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var domain = Tau2Domain.Load(MockDomain.Instance, data);
        var records = (await ReadPartsAsync(dir["out"])).GetProperty("records").EnumerateArray().ToDictionary(r => r.GetProperty("task_id").GetString()!);
        Assert.HasCount(domain.Tasks.Count, records);
        foreach (var task in domain.Tasks)
        {
            Assert.AreEqual(OfflineOracle.Run(domain, task).Reward.Total, records[task.Id].GetProperty("reward").GetDouble(), task.Id);
            Assert.AreEqual("mock", records[task.Id].GetProperty("domain").GetString());
        }

        var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(dir["out/manifest.json"])).RootElement;
        Assert.AreEqual("oracle", manifest.GetProperty("llm").GetProperty("endpoint").GetString());
        Assert.AreEqual(0.8, manifest.GetProperty("metrics").GetProperty("reward").GetDouble(), 1e-9, "8 of 10 mock tasks; see MockDomainOracleTests for the two");
    }

    [TestMethod]
    public async Task User_mistakes_end_with_one_line_and_exit_code_2()
    {
        using var dir = new TempDir();
        var coral = await HostRun.MatrixAsync("run", "coral", "--llm", "oracle", "--out", dir["a"]);
        Assert.AreEqual(2, coral.ExitCode);
        Assert.Contains("coral has no oracle", coral.Error);

        var noData = await HostRun.MatrixAsync("run", "tau2", "--set", "tau2.domain=retail", "--out", dir["b"]);
        Assert.AreEqual(2, noData.ExitCode);
        Assert.Contains("needs --data", noData.Error);

        var missing = await HostRun.MatrixAsync("run", "tau2", "--data", dir["nowhere"], "--out", dir["c"]);
        Assert.AreEqual(2, missing.ExitCode);
        Assert.HasCount(1, missing.ErrorLines, missing.Error);

        var unknown = await HostRun.MatrixAsync("run", "tau2", "--data", Tau2Data.Folder("mock"), "--set", "tau2.domain=banking", "--out", dir["d"]);
        Assert.AreEqual(2, unknown.ExitCode);
        Assert.Contains("unknown domain 'banking'", unknown.Error);
    }
}
