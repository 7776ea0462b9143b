using Matrix.Engine.Llm;

namespace Matrix.Scenarios.Nr;

/// <summary>
/// The JSON schemas of the score and question replies (structured output, for the pools that support it). They
/// describe what <see cref="NrReplies"/> accepts, with the prompt's key names (<see cref="NrPrompts"/>), and keep to
/// the keywords llama.cpp's server turns into a grammar (type, properties, required, items, enum, minimum, maximum,
/// additionalProperties). A reply that follows them is also a reply the parsers take: the question's fields may
/// still be empty, which is how the prompt asks the model to say that a document supports no question.
/// </summary>
internal static class NrSchemas
{
    public static readonly ResponseFormat Score = new(
        "nr_score",
        """
        {"type":"object","properties":{
        "completeness":{"type":"integer","minimum":0,"maximum":5},
        "complexity":{"type":"integer","minimum":0,"maximum":5},
        "correctness":{"type":"integer","minimum":0,"maximum":5},
        "reasoning":{"type":"integer","minimum":0,"maximum":5}},
        "required":["completeness","complexity","correctness","reasoning"],"additionalProperties":false}
        """);

    public static readonly ResponseFormat Question = new(
        "nr_question",
        """
        {"type":"object","properties":{
        "exam_question":{"type":"string"},
        "question_category":{"type":"string","enum":CATEGORIES},
        "extracted_answer":{"type":"string"},
        "independent_answer":{"type":"array","items":{"type":"string"}}},
        "required":["exam_question","question_category","extracted_answer","independent_answer"],"additionalProperties":false}
        """.Replace("CATEGORIES", "[" + string.Join(',', NrPrompts.Categories.Select(c => '"' + c + '"')) + "]", StringComparison.Ordinal));
}
