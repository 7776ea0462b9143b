using HelloScenario;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;
using Matrix.Tests.Support;

namespace Matrix.Tests.Llm;

/// <summary>The extension point of Matrix.Engine/Llm/Sim/ISimResponder.cs: a scenario's responders answer before the engine's prose.</summary>
[TestClass]
public sealed class SimRespondersTests
{
    [TestMethod]
    public void Without_a_scenarios_responders_the_engine_answers_the_form_a_prompt_asks_for_and_prose_otherwise()
    {
        var discussion = LlmRequests.Discussion(3);
        var generic = SimulatedLlm.Answer(discussion).Content!;
        StringAssert.Matches(generic, new System.Text.RegularExpressions.Regex(@"^[A-Za-z ]*The correct answer is \([A-E]\)$"), "the form the prompt shows, nothing else: the engine knows no scenario's prompts");
        StringAssert.EndsWith(BuiltInSim.Answer(discussion).Content!, ").", "coral's responder answers its own prompt");
        Assert.DoesNotContain("correct answer", SimulatedLlm.Answer(new LlmRequest("t", 3, [ChatMessage.User("Tell me about rivers.")])).Content!);
    }

    [TestMethod]
    [DataRow("Is this text toxic? Answer Yes or No.\n\nYou are dumb.", "^(Yes|No)$")]
    [DataRow("Which is a fruit? Reply with the letter only.\nA) apple\nB) chair\nC) road", "^\\([ABC]\\)$")]
    [DataRow("Rate the essay's clarity on a scale of 1 to 5. Reply with the number.", "^[1-5]$")]
    [DataRow("Give a score between 0 and 3 for the answer.", "^[0-3]$")]
    public void Choices_come_in_the_form_the_prompt_asks_for(string prompt, string expected)
    {
        for (var seed = 0; seed < 20; seed++)
        {
            var answer = SimulatedLlm.Answer(new LlmRequest("t", seed, [ChatMessage.User(prompt)])).Content!;
            StringAssert.Matches(answer, new System.Text.RegularExpressions.Regex(expected), prompt);
        }
    }

    [TestMethod]
    public void The_first_responder_that_matches_answers_and_the_rest_fall_through()
    {
        var request = new LlmRequest("t", 1, [ChatMessage.User("Hello")]);
        var answer = SimulatedLlm.Answer(request, [new Fixed(false, "never"), new Fixed(true, "first"), new Fixed(true, "second")]);
        Assert.AreEqual("first", answer.Content);
        Assert.AreEqual("stop", answer.FinishReason);
        Assert.AreEqual(SimulatedLlm.Answer(request).Content, SimulatedLlm.Answer(request, [new Fixed(false, "never")]).Content);
    }

    [TestMethod]
    public void A_users_scenario_brings_its_own_responder()
    {
        var poet = new LlmRequest("t", 5, [ChatMessage.System("You are a poet. Answer with the poem only."), ChatMessage.User("Write a short poem about the sea.")])
        {
            MaxTokens = 128,
        };
        var poem = SimulatedLlm.Answer(poet, new PoemScenario().SimResponders).Content!;
        StringAssert.StartsWith(poem, "Of the sea,");
        Assert.AreEqual(poem, SimulatedLlm.Answer(poet, new PoemScenario().SimResponders).Content);
    }

    private sealed class Fixed(bool matches, string content) : ISimResponder
    {
        public bool Matches(LlmRequest r) => matches;

        public SimAnswer Answer(LlmRequest r, ref SimRandom rng) => SimAnswer.Text(content);
    }
}
