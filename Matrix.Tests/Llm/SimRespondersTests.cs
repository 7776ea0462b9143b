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
    public void Without_a_scenarios_responders_the_engine_answers_generic_prose()
    {
        var discussion = LlmRequests.Discussion(3);
        var generic = SimulatedLlm.Answer(discussion).Content!;
        Assert.DoesNotContain("The correct answer is (", generic, "the engine knows no scenario's prompts");
        StringAssert.EndsWith(BuiltInSim.Answer(discussion).Content!, ").", "coral's responder answers its own prompt");
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
