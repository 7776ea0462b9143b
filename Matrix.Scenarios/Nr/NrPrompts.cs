namespace Matrix.Scenarios.Nr;

/// <summary>
/// The system prompts of nr's three LLM steps; each step's user message is the document itself, as in Matrix.
/// The simulated LLM recognises each prompt by one phrase in it ("Directly answer Yes or No", "Score the
/// document on four criteria", "Write one self-contained exam question"); keep those phrases when rewording.
/// </summary>
internal static class NrPrompts
{
    /// <summary>The labels the question writer may give a question (NaturalReasoning's domains).</summary>
    public static readonly IReadOnlyList<string> Categories =
    [
        "Mathematics", "Physics", "Chemistry", "Biology", "Computer Science", "Engineering", "Economics",
        "Business", "Finance", "Medicine", "Earth Science", "Astronomy", "Statistics", "Philosophy", "Law",
        "Psychology", "Other",
    ];

    public const string Classifier =
        "You are a classifier of web documents. Decide whether the document contains reasoning that a challenging "
        + "exam question could be built on: a worked problem, a derivation, a technical explanation, or an argument "
        + "that reaches a definite conclusion. Advertising, navigation menus, lists of links, personal chatter and "
        + "short fragments do not qualify. Directly answer Yes or No.";

    public const string Score =
        "You are an expert reviewer of educational material. Score the document on four criteria, each an integer "
        + "from 0 (absent) to 5 (excellent):\n"
        + "1. completeness: the document states a problem or topic and carries it through to a conclusion.\n"
        + "2. complexity: technical depth; the material needs more than common knowledge.\n"
        + "3. correctness: the facts, formulas and calculations are technically right.\n"
        + "4. reasoning: the document shows its thinking step by step rather than only stating results.\n"
        + "You may explain your scores briefly. Then give them as a JSON object in a ```json block with exactly "
        + "these keys: {\"completeness\": n, \"complexity\": n, \"correctness\": n, \"reasoning\": n}";

    public static readonly string Question =
        "You write exam questions from web documents. Write one self-contained exam question that the document "
        + "answers and that takes several steps of reasoning to solve. Then solve it independently, without "
        + "quoting the document.\n"
        + "Answer with a JSON object in a ```json block with these keys:\n"
        + "- exam_question: the question, understandable without the document.\n"
        + "- question_category: one of the categories below.\n"
        + "- extracted_answer: the answer as the document states it.\n"
        + "- independent_answer: a list of strings, the steps of your own solution; the last step gives the "
        + "final answer in \\boxed{}.\n"
        + "If the document supports no such question, give an empty exam_question.\n"
        + "Categories: " + string.Join(", ", Categories);
}
