using System.Text.Json;
using Matrix.Scenarios.Nr;
using Matrix.Scenarios.Tau2.Agents;

namespace Matrix.Tests.Scenarios;

/// <summary>The JSON schemas the scenarios send: valid, plain enough for llama.cpp's grammar conversion, and what the parsers take.</summary>
[TestClass]
public sealed class StructuredOutputSchemaTests
{
    private static readonly HashSet<string> Keywords = ["type", "properties", "required", "items", "enum", "minimum", "maximum", "additionalProperties"];

    [TestMethod]
    public void Schemas_use_only_keywords_llama_cpp_turns_into_a_grammar()
    {
        foreach (var format in new[] { NrSchemas.Score, NrSchemas.Question, Tau2JudgeSchema.Format })
        {
            using var doc = JsonDocument.Parse(format.JsonSchema);
            AssertPlain(doc.RootElement, format.Name);
        }
    }

    [TestMethod]
    public void Replies_that_follow_the_schemas_are_what_the_parsers_accept()
    {
        CollectionAssert.AreEqual(new[] { 3, 4, 5, 2 }, NrReplies.ParseScores("""{"completeness":3,"complexity":4,"correctness":5,"reasoning":2}"""));
        var question = NrReplies.ParseQuestion("""{"exam_question":"What is 6 x 7?","question_category":"Mathematics","extracted_answer":"42","independent_answer":["6 x 7 = 42","\\boxed{42}"]}""");
        Assert.IsNull(question.Rejection);
        Assert.AreEqual(("What is 6 x 7?", "Mathematics", "42"), (question.Question, question.Category, question.Answer));
        Assert.AreEqual(1.0, Tau2JudgeAgent.Verdict("""{"results":[{"expectedOutcome":"refund","reasoning":"done","metExpectation":true}]}""", 1));

        using var doc = JsonDocument.Parse(NrSchemas.Question.JsonSchema);
        var categories = doc.RootElement.GetProperty("properties").GetProperty("question_category").GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ToList();
        CollectionAssert.AreEqual(NrPrompts.Categories.ToList(), categories);
    }

    private static void AssertPlain(JsonElement schema, string where)
    {
        foreach (var property in schema.EnumerateObject())
        {
            Assert.Contains(property.Name, Keywords, $"{where}: '{property.Name}'");
            if (property.Name == "properties")
            {
                foreach (var child in property.Value.EnumerateObject())
                {
                    AssertPlain(child.Value, $"{where}.{child.Name}");
                }
            }
            else if (property.Name == "items")
            {
                AssertPlain(property.Value, where + "[]");
            }
        }
    }
}
