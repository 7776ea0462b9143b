using Matrix.Tests.Support;

namespace Matrix.Tests.Hosting;

/// <summary>Every user mistake ends with exit code 2 and one line that names it: no stack trace, no hang.</summary>
[TestClass]
public sealed class CliErrorTests
{
    private static async Task AssertUsageErrorAsync(string expected, params string[] args)
    {
        using var dir = new TempDir();
        var run = await HostRun.MatrixAsync([.. args, "--out", dir["out"]]);
        Assert.AreEqual(2, run.ExitCode, run.Error);
        Assert.HasCount(1, run.ErrorLines, run.Error);
        Assert.Contains(expected, run.ErrorLines[0]);
        Assert.StartsWith("matrix: ", run.ErrorLines[0]);
        Assert.IsFalse(File.Exists(dir["out/manifest.json"]), "nothing may be written");
    }

    [TestMethod]
    public Task Unknown_scenario() => AssertUsageErrorAsync("unknown scenario 'nope' (available: coral", "run", "nope");

    [TestMethod]
    public Task Unknown_option() => AssertUsageErrorAsync("unknown option '--bogus'", "run", "coral", "--bogus", "1");

    [TestMethod]
    public Task Unknown_set_key() => AssertUsageErrorAsync("--set coral.nope: unknown setting 'coral.nope'", "run", "coral", "--set", "coral.nope=1");

    [TestMethod]
    public Task Misspelled_set_key_gets_a_suggestion() => AssertUsageErrorAsync("did you mean 'concurrency'?", "run", "coral", "--set", "concurency=5");

    [TestMethod]
    public Task Set_value_of_the_wrong_type() => AssertUsageErrorAsync("setting 'concurrency' expects a whole number, got 'many'", "run", "coral", "--set", "concurrency=many");

    [TestMethod]
    public Task Negative_task_count() => AssertUsageErrorAsync("--tasks: setting 'tasks' must be at least 1, got -1", "run", "coral", "--tasks", "-1");

    [TestMethod]
    public Task Missing_input_file() => AssertUsageErrorAsync("input '/nonexistent/questions.jsonl' does not exist", "run", "coral", "--input", "/nonexistent/questions.jsonl");

    [TestMethod]
    public Task Unknown_command() => AssertUsageErrorAsync("unknown command 'frobnicate'", "frobnicate");

    [TestMethod]
    public Task Llm_that_is_not_a_url() => AssertUsageErrorAsync("--llm: 'ftp://x' is neither 'sim', 'oracle' nor an http(s) base URL", "run", "coral", "--llm", "ftp://x");

    [TestMethod]
    public Task Llm_url_that_nothing_answers_at_start()
    {
        var url = $"http://127.0.0.1:{HostRun.ClosedPort()}/v1";
        return AssertUsageErrorAsync($"no LLM server answers at {url}", "run", "coral", "--llm", url);
    }

    [TestMethod]
    public async Task Malformed_yaml_names_file_and_line()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir["run.yaml"], "tasks: 10\nconcurrency: [1, 2\nseed: 3\n");
        await AssertUsageErrorAsync("run.yaml:", "run", "coral", "--config", dir["run.yaml"]);
        await AssertUsageErrorAsync("malformed YAML", "run", "coral", "--config", dir["run.yaml"]);
    }

    [TestMethod]
    public async Task Unknown_yaml_key_names_its_line()
    {
        using var dir = new TempDir();
        await File.WriteAllTextAsync(dir["run.yaml"], "tasks: 10\ncoral:\n  max_turn: 3\n");
        await AssertUsageErrorAsync($"{dir["run.yaml"]}:3: unknown setting 'coral.max_turn' (did you mean 'coral.max_turns'?)", "run", "coral", "--config", dir["run.yaml"]);
    }

    [TestMethod]
    public async Task Output_directory_of_an_earlier_run_is_refused()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["old"]);
        await File.WriteAllTextAsync(dir["old/manifest.json"], "{}");
        var run = await HostRun.MatrixAsync("run", "coral", "--tasks", "3", "--out", dir["old"]);
        Assert.AreEqual(2, run.ExitCode);
        Assert.Contains("already holds a run's output", run.Error);
    }

    [TestMethod]
    public async Task Help_lists_the_commands_and_exits_0()
    {
        var run = await HostRun.MatrixAsync("--help");
        Assert.AreEqual(0, run.ExitCode);
        Assert.Contains("run", run.Out);
        Assert.Contains("sim-server", run.Out);
        Assert.Contains("inspect", run.Out);

        var runHelp = await HostRun.MatrixAsync("run", "--help");
        Assert.AreEqual(0, runHelp.ExitCode);
        Assert.Contains("--concurrency", runHelp.Out);
        Assert.Contains("--set", runHelp.Out);
    }

    [TestMethod]
    public async Task Help_settings_lists_engine_llm_and_scenario_keys()
    {
        var run = await HostRun.MatrixAsync("run", "coral", "--help-settings");
        Assert.AreEqual(0, run.ExitCode, run.Error);
        foreach (var key in new[] { "concurrency = 1024", "llm.max_retries", "sim.replicas", "coral.max_turns", "agents.teacher.parallelism" })
        {
            Assert.Contains(key, run.Out);
        }
    }
}
