using HelloScenario;
using Matrix.Store.Arrow.Read;
using Matrix.Tests.Support;

namespace Matrix.Tests.Hosting;

/// <summary>docs/writing-a-scenario.md's example is a real executable that runs through the host entry point.</summary>
[TestClass]
public sealed class ScenarioExecutableTests
{
    [TestMethod]
    public async Task The_example_scenario_runs_through_the_host_entry_point()
    {
        using var dir = new TempDir();
        var run = await HostRun.RunAsync([new PoemScenario()], "run", "poem", "--tasks", "30", "--out", dir["out"], "--set", "poem.min_words=30");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var rows = PartReader.ReadDirectory(dir["out"]).ToList();
        Assert.HasCount(30, rows);
        Assert.IsTrue(rows.All(r => r.Scenario == "poem" && r.Status is "success" or "filtered"));
        Assert.IsTrue(rows.All(r => r.Messages.Count(m => m.Agent == "poet") == (int)r.Columns["attempts"]!));
        Assert.IsTrue(rows.Where(r => r.Status == "filtered").All(r => r.Reason == "too_short" && (int)r.Columns["attempts"]! == 3));
    }

    [TestMethod]
    public async Task The_example_executable_runs_as_its_own_process()
    {
        using var dir = new TempDir();
        var dll = Path.Combine(AppContext.BaseDirectory, "hello-scenario.dll");
        var run = await Repo.RunAsync("dotnet", [dll, "run", "poem", "--tasks", "12", "--out", dir["out"]], TimeSpan.FromMinutes(2));

        Assert.AreEqual(0, run.ExitCode, run.Error);
        Assert.HasCount(12, PartReader.ReadDirectory(dir["out"]).ToList());
    }

    [TestMethod]
    public void The_guide_shows_the_example_code_as_it_is()
    {
        var guide = File.ReadAllText(Path.Combine(Repo.Root, "docs", "writing-a-scenario.md"));
        foreach (var file in new[] { "Program.cs", "PoemScenario.cs", "PoemResponder.cs", "HelloScenario.csproj" })
        {
            var code = File.ReadAllText(Path.Combine(Repo.Root, "examples", "HelloScenario", file)).TrimEnd();
            Assert.Contains(code, guide, $"docs/writing-a-scenario.md no longer shows examples/HelloScenario/{file}: regenerate it");
        }
    }
}
