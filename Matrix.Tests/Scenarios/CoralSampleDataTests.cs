using System.Globalization;
using Matrix.Engine.Scenarios;
using Matrix.Engine.Settings;
using Matrix.Scenarios.Coral;

namespace Matrix.Tests.Scenarios;

[TestClass]
public sealed class CoralSampleDataTests
{
    [TestMethod]
    public void The_first_ten_thousand_questions_are_distinct_and_well_formed()
    {
        var questions = CoralSampleData.Rows(10_000).ToList();

        Assert.AreEqual(10_000, questions.Select(q => q.Question.Question).Distinct(StringComparer.Ordinal).Count());
        Assert.AreEqual(10_000, questions.Select(q => q.Id).Distinct(StringComparer.Ordinal).Count());
        foreach (var (id, index, q) in questions)
        {
            Assert.AreEqual(CoralSampleData.IdOf(index), id);
            Assert.IsTrue(q.Options.Count is >= 4 and <= 10, $"{id}: {q.Options.Count} options");
            Assert.AreEqual(q.Options.Count, q.Options.Distinct(StringComparer.Ordinal).Count(), $"{id}: repeated option");
            Assert.IsTrue(q.IsOption(q.Answer), $"{id}: answer {q.Answer} is not an option");
            Assert.IsTrue(q.Options.All(o => o.Length > 0));
        }
    }

    [TestMethod]
    public void Answers_are_right_for_questions_that_can_be_recomputed()
    {
        var checkedCount = 0;
        foreach (var (id, _, q) in CoralSampleData.Rows(2_000))
        {
            var parts = q.Question.Split(' ');
            long? expected = q.Question switch
            {
                _ when q.Question.StartsWith("What is ", StringComparison.Ordinal) && parts.Length == 5 && parts[3] == "×" =>
                    long.Parse(parts[2], CultureInfo.InvariantCulture) * long.Parse(parts[4].TrimEnd('?'), CultureInfo.InvariantCulture),
                _ when q.Question.StartsWith("What is ", StringComparison.Ordinal) && parts.Length == 5 && parts[3] == "+" =>
                    long.Parse(parts[2], CultureInfo.InvariantCulture) + long.Parse(parts[4].TrimEnd('?'), CultureInfo.InvariantCulture),
                _ when q.Question.StartsWith("What is ", StringComparison.Ordinal) && parts.Length == 5 && parts[3] == "-" =>
                    long.Parse(parts[2], CultureInfo.InvariantCulture) - long.Parse(parts[4].TrimEnd('?'), CultureInfo.InvariantCulture),
                _ when q.Question.EndsWith(" squared?", StringComparison.Ordinal) =>
                    long.Parse(parts[2], CultureInfo.InvariantCulture) * long.Parse(parts[2], CultureInfo.InvariantCulture),
                _ => null,
            };
            if (expected is { } e)
            {
                Assert.AreEqual(e.ToString(CultureInfo.InvariantCulture), q.Options[q.AnswerIndex], $"{id}: {q.Question}");
                checkedCount++;
            }
        }

        Assert.AreEqual(800, checkedCount);
    }

    [TestMethod]
    public void The_sample_is_the_same_on_every_call()
    {
        for (long i = 0; i < 200; i += 7)
        {
            var a = CoralSampleData.Generate(i);
            var b = CoralSampleData.Generate(i);
            Assert.AreEqual(a.Question, b.Question);
            CollectionAssert.AreEqual(a.Options.ToArray(), b.Options.ToArray());
            Assert.AreEqual(a.AnswerIndex, b.AnswerIndex);
        }
    }

    [TestMethod]
    public void Far_rows_have_unique_ids_and_valid_questions()
    {
        foreach (var index in new long[] { 99_999, 100_000, 999_999, 1_000_000, 12_345_678 })
        {
            var q = CoralSampleData.Generate(index);
            Assert.IsTrue(q.IsOption(q.Answer));
            Assert.AreEqual(q.Options.Count, q.Options.Distinct(StringComparer.Ordinal).Count());
        }

        Assert.AreEqual("sample-000042", CoralSampleData.IdOf(42));
        Assert.AreEqual("sample-1000000", CoralSampleData.IdOf(1_000_000));
    }

    [TestMethod]
    public async Task Without_an_input_file_the_scenario_streams_the_sample_up_to_the_limit_or_the_sample_size()
    {
        var scenario = new CoralScenario();
        var schema = new SettingsSchema();
        scenario.DeclareSettings(schema);
        var settings = new RunSettings(schema);
        settings.Set(CoralScenario.SampleSizeKey, "25", "test");
        var context = new ScenarioContext(settings, 1, new CoralScriptedLlm());

        var limited = new List<InputRow>();
        await foreach (var row in scenario.ReadInputAsync(new InputSource(null, 3), context, CancellationToken.None))
        {
            limited.Add(row);
        }

        var all = 0;
        await foreach (var row in scenario.ReadInputAsync(new InputSource(null, null), context, CancellationToken.None))
        {
            Assert.IsInstanceOfType<CoralQuestion>(row.Payload);
            all++;
        }

        CollectionAssert.AreEqual(new[] { "sample-000000", "sample-000001", "sample-000002" }, limited.Select(r => r.Id).ToArray());
        Assert.AreEqual(25, all);
    }
}
