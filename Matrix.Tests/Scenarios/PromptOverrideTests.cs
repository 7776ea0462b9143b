using Matrix.Store.Arrow.Read;
using Matrix.Tests.Support;

namespace Matrix.Tests.Scenarios;

/// <summary>
/// The built-in scenarios' system prompts come from settings (a <c>prompts:</c> section in --config), so changing one
/// needs no rebuild. The simulated LLM recognizes only the default wordings, so a replaced prompt shows in the records.
/// </summary>
[TestClass]
public sealed class PromptOverrideTests
{
    [TestMethod]
    public async Task A_yaml_prompts_section_replaces_nr_classifier_prompt()
    {
        using var dir = new TempDir();
        var config = dir["nr.yaml"];
        File.WriteAllText(config, """
            nr:
              filter_en: 0
              prompts:
                classifier: |
                  Is this page worth keeping? Tell me what you think of it.
            """);

        var defaults = await HostRun.MatrixAsync("run", "nr", "--tasks", "40", "--set", "nr.filter_en=0", "--out", dir["default"]);
        var replaced = await HostRun.MatrixAsync("run", "nr", "--tasks", "40", "--config", config, "--out", dir["replaced"]);

        Assert.AreEqual(0, defaults.ExitCode, defaults.Error);
        Assert.AreEqual(0, replaced.ExitCode, replaced.Error);
        var before = PartReader.ReadDirectory(dir["default"]).ToList();
        var after = PartReader.ReadDirectory(dir["replaced"]).ToList();
        Assert.IsTrue(before.Any(r => r.Reason != "filter_by_classifier"), "with its own prompt the classifier passes some documents");
        Assert.IsTrue(after.All(r => r.Reason == "filter_by_classifier"), "a prompt the simulated LLM does not know, asking for no Yes or No, gets prose, which is not Yes");
    }

    [TestMethod]
    public async Task Set_replaces_coral_extractor_prompt()
    {
        using var dir = new TempDir();

        var run = await HostRun.MatrixAsync("run", "coral", "--tasks", "20", "--set", "coral.max_turns=3", "coral.prompts.extractor=Say something.", "--out", dir["out"]);

        Assert.AreEqual(0, run.ExitCode, run.Error);
        var rows = PartReader.ReadDirectory(dir["out"]).ToList();
        Assert.HasCount(20, rows);
        Assert.IsTrue(rows.All(r => r.Reason == "max_turns"), "an extractor that never answers with a letter never finds agreement");
    }

    [TestMethod]
    public async Task Help_settings_lists_the_prompts_with_their_defaults()
    {
        var run = await HostRun.MatrixAsync("run", "coral", "--help-settings");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        Assert.Contains("coral.prompts.discussion = You and a partner are working together", run.Out);
        Assert.Contains("coral.prompts.extractor = Extract the final answer", run.Out);
    }
}
