using System.Text.Json;
using Matrix.Scenarios.Nr;

namespace Matrix.Tests.Scenarios;

[TestClass]
public sealed class NrJsonTests
{
    private static JsonElement Extract(string reply)
    {
        Assert.IsTrue(NrJson.TryExtractObject(reply, out var value), reply);
        return value;
    }

    private static int A(string reply) => Extract(reply).GetProperty("a").GetInt32();

    [TestMethod]
    public void A_fenced_block_with_prose_around_it_is_found()
    {
        Assert.AreEqual(1, A("Here are the scores.\n\n```json\n{\"a\": 1}\n```\n\nThey reflect the depth."));
        Assert.AreEqual(2, A("```JSON\n{\"a\": 2}\n```"));
        Assert.AreEqual(3, A("```\n{\"a\": 3}\n```"));
    }

    [TestMethod]
    public void A_bare_object_is_found_alone_or_inside_prose()
    {
        Assert.AreEqual(1, A("{\"a\": 1}"));
        Assert.AreEqual(2, A("My verdict: {\"a\": 2} — that is all."));
        Assert.AreEqual(3, A("  \n{\n  \"a\": 3,\n}\n"), "a trailing comma is tolerated");
    }

    [TestMethod]
    public void Braces_in_prose_or_in_strings_do_not_confuse_it()
    {
        Assert.AreEqual(4, A("Sets like {x | x > 0} are open. {\"a\": 4, \"b\": \"use {braces} and \\\"quotes\\\"\"}"));
        Assert.AreEqual("}{", Extract("{\"s\": \"}{\", \"a\": 5}").GetProperty("s").GetString());
    }

    [TestMethod]
    public void A_broken_fenced_block_falls_back_to_a_later_block_or_a_bare_object()
    {
        Assert.AreEqual(6, A("```json\n{\"a\": \n```\nCorrected:\n```json\n{\"a\": 6}\n```"));
        Assert.AreEqual(7, A("```json\n{'a': 1}\n```\nIn JSON: {\"a\": 7}"));
    }

    [TestMethod]
    [DataRow(null)]
    [DataRow("")]
    [DataRow("I cannot do that.")]
    [DataRow("```json\n{\"a\": 1, \"b\": ")]
    [DataRow("{'a': 1}")]
    [DataRow("[1, 2, 3]")]
    [DataRow("{\"a\": \"an \"unescaped\" quote\"}")]
    [DataRow("```json\n```")]
    public void A_reply_without_a_valid_object_gives_nothing(string? reply)
    {
        Assert.IsFalse(NrJson.TryExtractObject(reply, out _));
    }

    [TestMethod]
    public void Latex_backslashes_survive_but_real_escapes_stay_escapes()
    {
        var value = Extract("{\"s\": \"\\boxed{4} \\frac{1}{2} \\sqrt{2} \\alpha\", \"t\": \"a\\nb\\tc \\u00e9 \\\\ \\/ \\\"\", \"u\": \"\\b\"}");

        Assert.AreEqual("\\boxed{4} \\frac{1}{2} \\sqrt{2} \\alpha", value.GetProperty("s").GetString());
        Assert.AreEqual("a\nb\tc é \\ / \"", value.GetProperty("t").GetString());
        Assert.AreEqual("\b", value.GetProperty("u").GetString(), "a lone \\b is still a backspace");
        Assert.AreEqual("\\\\boxed{1}", NrJson.RepairBackslashes("\\boxed{1}"));
        Assert.AreEqual("\\\\boxed{1}", NrJson.RepairBackslashes("\\\\boxed{1}"), "an escaped backslash is left alone");
    }

    [TestMethod]
    public void Braces_of_prose_are_skipped_but_unclosed_objects_are_tried_only_a_few_times()
    {
        var latex = string.Concat(Enumerable.Repeat("\\frac{a}{b} and {x | x > 0} ", 5_000)) + "{\"a\": 1}";
        var unclosed = string.Concat(Enumerable.Repeat("{\"k\": ", 20_000)) + "{\"a\": 1}";

        Assert.AreEqual(1, A(latex));
        Assert.IsFalse(NrJson.TryExtractObject(unclosed, out _), "only the first few objects are parsed");
    }

    [TestMethod]
    public void Scores_are_read_by_name_by_matrix_s_positional_names_or_by_order()
    {
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4 }, NrReplies.ParseScores("{\"reasoning\": 4, \"Completeness\": 1, \"complexity\": \"2\", \"Technical-Correctness\": 3}"));
        CollectionAssert.AreEqual(new[] { 5, 4, 3, 2 }, NrReplies.ParseScores("{\"criteria_1\": 5, \"criteria_2\": 4, \"criteria_3\": 3, \"criteria_4\": 2}"));
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4 }, NrReplies.ParseScores("{\"note\": \"fine\", \"depth\": 2, \"completeness\": 1, \"accuracy\": 3, \"logic\": 4}"));
        CollectionAssert.AreEqual(new[] { 3, 3, 3, 0 }, NrReplies.ParseScores("{\"completeness\": 3.0, \"complexity\": 3, \"correctness\": 3, \"reasoning\": 0}"));
    }

    [TestMethod]
    [DataRow("{\"completeness\": 2.5, \"complexity\": 3, \"correctness\": 3, \"reasoning\": 3}")]
    [DataRow("{\"completeness\": \"high\", \"complexity\": 3, \"correctness\": 3, \"reasoning\": 3}")]
    [DataRow("{\"completeness\": null, \"complexity\": 3, \"correctness\": 3, \"reasoning\": 3}")]
    [DataRow("{\"completeness\": 3, \"complexity\": 3, \"correctness\": 3}")]
    [DataRow("{\"completeness\": 3, \"completeness \": 3, \"correctness\": 3, \"reasoning\": 3}")]
    [DataRow("no scores")]
    public void Scores_that_are_not_four_whole_numbers_are_no_scores(string reply)
    {
        Assert.IsNull(NrReplies.ParseScores(reply));
    }

    [TestMethod]
    public void Every_criterion_must_be_above_zero()
    {
        Assert.IsTrue(NrReplies.Passes([1, 1, 1, 1]));
        Assert.IsFalse(NrReplies.Passes([1, 0, 5, 5]));
        Assert.IsFalse(NrReplies.Passes([5, 5, 5, -2]));
    }

    [TestMethod]
    public void A_good_question_reply_gives_trimmed_fields_and_its_steps()
    {
        var result = NrReplies.ParseQuestion(
            "```json\n{\"exam_question\": \" What is 6 x 7? \", \"question_category\": \"Mathematics\", \"extracted_answer\": 42, "
            + "\"independent_answer\": [\"6 x 7 = 42\", 42, \"\", \"So \\\\boxed{42}\"]}\n```");

        Assert.IsNull(result.Rejection);
        Assert.AreEqual("What is 6 x 7?", result.Question);
        Assert.AreEqual("Mathematics", result.Category);
        Assert.AreEqual("42", result.Answer);
        CollectionAssert.AreEqual(new[] { "6 x 7 = 42", "42", "So \\boxed{42}" }, result.Steps!.ToArray(), "blank steps are dropped, numbers kept as text");
        Assert.AreEqual("[\"6 x 7 = 42\",\"42\",\"So \\\\boxed{42}\"]", NrReplies.StepsJson(result.Steps!));
    }

    [TestMethod]
    public void The_question_checks_run_in_matrix_s_order()
    {
        // No question and no steps: the question is checked first.
        Assert.AreEqual(NrReasons.ByNoQuestion, NrReplies.ParseQuestion("{\"exam_question\": \"\", \"independent_answer\": []}").Rejection);

        // No steps and no box: "no answer" first.
        Assert.AreEqual(NrReasons.ByNoAnswer, NrReplies.ParseQuestion("{\"exam_question\": \"q\", \"extracted_answer\": \"\", \"independent_answer\": [\"x\"]}").Rejection);

        // A category is optional.
        var noCategory = NrReplies.ParseQuestion("{\"exam_question\": \"q\", \"extracted_answer\": \"1\", \"independent_answer\": [\"\\\\boxed{1}\"]}");
        Assert.IsNull(noCategory.Rejection);
        Assert.IsNull(noCategory.Category);
    }

    [TestMethod]
    public void The_classifier_verdict_follows_matrix_up_to_a_trailing_stop()
    {
        Assert.IsTrue(NrReplies.IsYes("Yes"));
        Assert.IsTrue(NrReplies.IsYes("\tYes.\n"));
        Assert.IsFalse(NrReplies.IsYes(null));
        Assert.IsFalse(NrReplies.IsYes("Yes\nNo"));
        Assert.IsFalse(NrReplies.IsYes("Y"));
        Assert.IsFalse(NrReplies.IsYes("Yes it is"));
    }
}
