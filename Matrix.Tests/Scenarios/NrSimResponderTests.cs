using Matrix.Engine.Llm;
using Matrix.Scenarios.Nr;
using Matrix.Tests.Support;

namespace Matrix.Tests.Scenarios;

/// <summary>The simulated LLM's answers to nr's three prompts, read back with nr's own parsers.</summary>
[TestClass]
public sealed class NrSimResponderTests
{
    private const int Draws = 2000;

    private static readonly string Good = NrSampleData.Generate(Enumerable.Range(0, 100).First(i => NrSampleData.KindOf(i) == NrSampleKind.EnglishReasoning)).Text!;

    private const string Ad = "Best deals on smart watches! Save up to 50% today only. Free shipping on all orders over $30. Click here to buy now and "
        + "subscribe to our newsletter for exclusive coupons. Limited stock, don't miss out!!!";

    private static LlmRequest Request(string system, string document, long seed, int maxTokens = 4096) =>
        new("doc#0", seed, [ChatMessage.System(system), ChatMessage.User(document)]) { MaxTokens = maxTokens };

    private static IEnumerable<string> Replies(string system, string document, int maxTokens = 4096) =>
        Enumerable.Range(0, Draws).Select(seed => BuiltInSim.Answer(Request(system, document, seed, maxTokens)).Content!);

    [TestMethod]
    public void The_same_request_gives_the_same_answer_and_seeds_vary_it()
    {
        foreach (var system in new[] { NrPrompts.Classifier, NrPrompts.Score, NrPrompts.Question })
        {
            var first = BuiltInSim.Answer(Request(system, Good, 5));
            var again = BuiltInSim.Answer(Request(system, Good, 5));
            Assert.AreEqual(first.Content, again.Content);
            Assert.AreEqual(first.CompletionTokens, again.CompletionTokens);
            Assert.IsGreaterThan(1, Enumerable.Range(0, 50).Select(s => BuiltInSim.Answer(Request(system, Good, s)).Content).Distinct().Count(), system);
        }
    }

    [TestMethod]
    public void The_classifier_says_yes_to_worked_problems_far_more_often_than_to_ads()
    {
        var good = Replies(NrPrompts.Classifier, Good).ToList();
        var ad = Replies(NrPrompts.Classifier, Ad).ToList();

        Assert.IsTrue(good.Concat(ad).All(r => r is "Yes" or "Yes." or "No" or "No."), "only Yes or No, at most with a stop");
        var goodYes = good.Count(NrReplies.IsYes) / (double)Draws;
        var adYes = ad.Count(NrReplies.IsYes) / (double)Draws;
        Assert.IsTrue(goodYes is > 0.8 and < 0.95, $"worked problem: {goodYes}");
        Assert.IsTrue(adYes is > 0.01 and < 0.1, $"ad: {adYes}");
        Assert.IsTrue(good.Contains("Yes.") && good.Contains("Yes"));
    }

    [TestMethod]
    public void The_scorer_mostly_gives_four_positive_scores_in_varied_wrappings()
    {
        var replies = Replies(NrPrompts.Score, Good).ToList();

        var parsed = replies.Select(NrReplies.ParseScores).ToList();
        var broken = parsed.Count(p => p is null) / (double)Draws;
        var zero = parsed.Count(p => p is not null && !NrReplies.Passes(p)) / (double)Draws;
        Assert.IsTrue(broken is > 0.03 and < 0.07, $"broken: {broken}");
        Assert.IsTrue(zero is > 0.03 and < 0.12, $"a zero: {zero}");
        Assert.IsTrue(parsed.Where(p => p is not null).SelectMany(p => p!).All(s => s is >= 0 and <= 5));
        Assert.IsTrue(replies.Any(r => r.Contains("```json", StringComparison.Ordinal)), "fenced");
        Assert.IsTrue(replies.Any(r => r.StartsWith('{')), "bare");
        Assert.IsTrue(replies.Any(r => r.Contains("criteria_1", StringComparison.Ordinal)), "Matrix's key names");

        var adZero = Replies(NrPrompts.Score, Ad).Select(NrReplies.ParseScores).Count(p => p is not null && !NrReplies.Passes(p)) / (double)Draws;
        Assert.IsGreaterThan(zero * 2, adZero, "junk gets a zero more often");
    }

    [TestMethod]
    public void The_question_writer_fails_in_every_way_matrix_checks_at_about_the_set_rates()
    {
        var results = Replies(NrPrompts.Question, Good).Select(NrReplies.ParseQuestion).ToList();

        var shares = results.GroupBy(r => r.Rejection ?? "success").ToDictionary(g => g.Key, g => g.Count() / (double)Draws);
        Assert.IsTrue(shares[NrReasons.ByQuestionWithoutJson] is > 0.02 and < 0.06, $"wo_json: {shares[NrReasons.ByQuestionWithoutJson]}");
        Assert.IsTrue(shares[NrReasons.ByNoQuestion] is > 0.02 and < 0.06, $"no question: {shares[NrReasons.ByNoQuestion]}");
        Assert.IsTrue(shares[NrReasons.ByNoAnswer] is > 0.02 and < 0.06, $"no answer: {shares[NrReasons.ByNoAnswer]}");
        Assert.IsTrue(shares[NrReasons.ByNoBoxedAnswer] is > 0.04 and < 0.08, $"no box: {shares[NrReasons.ByNoBoxedAnswer]}");
        Assert.IsTrue(shares["success"] is > 0.78 and < 0.88, $"success: {shares["success"]}");

        var kept = results.Where(r => r.Rejection is null).ToList();
        Assert.IsTrue(kept.All(r => NrPrompts.Categories.Contains(r.Category!)), "categories come from the prompt's list");
        Assert.IsGreaterThan(10, kept.Select(r => r.Category).Distinct().Count());
        var lastNumber = System.Text.RegularExpressions.Regex.Matches(Good, "[0-9]+(?:\\.[0-9]+)?")[^1].Value;
        Assert.IsTrue(kept.All(r => r.Steps![^1].Contains("\\boxed{" + r.Answer + "}", StringComparison.Ordinal)), "the box holds the extracted answer");
        Assert.IsTrue(kept.All(r => r.Question!.Length > 20));
        Assert.IsTrue(kept.Any(r => r.Answer == lastNumber), $"the answer is the document's last number ({lastNumber})");
    }

    [TestMethod]
    public void A_small_token_budget_cuts_the_reply_and_says_so()
    {
        var cut = BuiltInSim.Answer(Request(NrPrompts.Question, Good, 1, maxTokens: 10));
        var yes = BuiltInSim.Answer(Request(NrPrompts.Classifier, Good, 1, maxTokens: 1));

        Assert.AreEqual("length", cut.FinishReason);
        Assert.AreEqual(40, cut.Content!.Length);
        Assert.AreEqual(NrReasons.ByQuestionWithoutJson, NrReplies.ParseQuestion(cut.Content).Rejection);
        Assert.IsLessThanOrEqualTo(4, yes.Content!.Length);
    }

    [TestMethod]
    public void Prompts_of_other_scenarios_are_not_taken_for_nr_prompts()
    {
        var other = new LlmRequest("x#0", 1, [ChatMessage.System("You are a poet."), ChatMessage.User(Good)]);

        var reply = BuiltInSim.Answer(other).Content!;

        Assert.IsFalse(reply is "Yes" or "No" or "Yes." or "No.");
        Assert.IsFalse(NrJson.TryExtractObject(reply, out _));
    }
}
