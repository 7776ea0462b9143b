using System.Text;

namespace Matrix.Scenarios.Coral;

/// <summary>
/// The texts of coral's prompts. The teacher and the student share one system prompt that ends with the
/// answer format <c>The correct answer is (X)</c>; the extractor's system prompt starts with
/// <c>Extract the final answer</c>, and its user message ends with a <c>Response:</c> line holding the reply.
/// </summary>
internal static class CoralPrompts
{
    /// <summary>The system prompt of both the teacher and the student.</summary>
    public const string Discussion =
        "You and a partner are working together on a multiple-choice question. Reason step by step and keep "
        + "your reply short. Weigh your partner's arguments: point out their mistakes, and change your mind only "
        + "when you are convinced. If you have not decided yet, end your reply with \"I am not sure yet.\" "
        + "Once you have decided, end your reply with the letter of your choice in this form: The correct answer is (X)";

    /// <summary>The extractor's system prompt.</summary>
    public const string Extractor =
        "Extract the final answer that the response commits to. Reply with only the letter of that option in "
        + "parentheses, for example (B). If the response does not commit to one of the options, reply with: not sure yet";

    /// <summary>Prepended to a speaker's conversation so that it starts with a user message (as in Matrix).</summary>
    public const string Hi = "hi";

    /// <summary>The extractor's marker for "no answer"; checked before the letter, as in Matrix.</summary>
    public const string NotSureYet = "not sure yet";

    /// <summary>The student's opening turn, which makes the teacher answer first.</summary>
    public static string Opening(CoralQuestion question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var sb = new StringBuilder(64 + question.Question.Length + (question.Options.Count * 24));
        sb.Append("I'm trying to solve this problem: \"").Append(question.Question).Append("\"\nAnd the choices are:");
        AppendOptions(sb, question);
        return sb.ToString();
    }

    /// <summary>The extractor's user message: question, options, then <c>Response:</c> and the reply.</summary>
    public static string ExtractorTask(CoralQuestion question, string? reply)
    {
        ArgumentNullException.ThrowIfNull(question);
        reply ??= string.Empty;
        var sb = new StringBuilder(48 + question.Question.Length + (question.Options.Count * 24) + reply.Length);
        sb.Append("Question: ").Append(question.Question).Append("\nOptions:");
        AppendOptions(sb, question);
        sb.Append("\nResponse: ").Append(reply);
        return sb.ToString();
    }

    /// <summary>Each option on its own line as <c>(A) text</c>, each line preceded by a newline.</summary>
    private static void AppendOptions(StringBuilder sb, CoralQuestion question)
    {
        for (var i = 0; i < question.Options.Count; i++)
        {
            sb.Append("\n(").Append(CoralQuestion.Letter(i)).Append(") ").Append(question.Options[i]);
        }
    }
}
