using System.Text;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Nr.Sim;

/// <summary>
/// nr's question writer: a system prompt containing "Write one self-contained exam question" (with a line
/// <c>Categories: A, B, ...</c>) and the document as the user message. Answers a JSON object with
/// <c>exam_question</c> (built on the document's first sentence), <c>question_category</c> (one of the listed
/// labels), <c>extracted_answer</c> (the document's last number) and <c>independent_answer</c> (steps, the last one
/// with <c>\boxed{}</c>). Failure shares: broken JSON 4 %, empty question 4 %, no steps 4 %, last step without
/// <c>\boxed{</c> 6 %. Some valid replies write LaTeX's backslash unescaped, as models do.
/// </summary>
internal sealed class NrQuestionResponder : ISimResponder
{
    public const string Phrase = "Write one self-contained exam question";
    public const string CategoriesPrefix = "Categories: ";

    public const double BrokenProbability = 0.04;
    public const double NoQuestionProbability = 0.04;
    public const double NoAnswerProbability = 0.04;
    public const double NoBoxedProbability = 0.06;

    /// <summary>Of the valid replies, the share that writes <c>\boxed</c> with one backslash inside the JSON string.</summary>
    public const double RawLatexProbability = 0.08;

    private static readonly string[] Stems =
    [
        "Based on this, what is the final result, and how is it obtained step by step?",
        "Using only the information given, determine the final value and justify each step.",
        "What quantity results from this situation, and why?",
        "Derive the final answer from the given data, showing the reasoning.",
    ];

    private static readonly string[] Leads =
    [
        "Here is an exam question based on the document.",
        "I wrote the following question and solved it independently.",
    ];

    private static readonly string[] Tails =
    [
        "The independent solution agrees with the answer stated in the document.",
        "Each step of the solution uses only the information in the question.",
    ];

    private static readonly string[] WordAnswers = ["It increases", "The first method", "Yes", "Twice as large"];

    public bool Matches(LlmRequest r) => SimPrompt.AnySystem(r, static s => s.Contains(Phrase, StringComparison.Ordinal));

    public SimAnswer Answer(LlmRequest r, ref SimRandom rng)
    {
        var document = SimPrompt.LastUserContent(r) ?? string.Empty;
        var sb = SimText.Rent();
        var finish = SimAnswer.Stop;
        var flaw = PickFlaw(rng.NextDouble());
        if (flaw == Flaw.Broken)
        {
            finish = AppendBroken(sb, document, ref rng);
        }
        else
        {
            var rawLatex = rng.Chance(RawLatexProbability);
            var number = NrSimDocument.LastNumber(document);
            var answer = number.IsEmpty ? rng.Pick(WordAnswers).AsSpan() : number;
            var framing = NrSimDocument.PickFraming(ref rng);

            NrSimDocument.AppendOpening(sb, framing, rng.Pick(Leads));
            sb.Append("{\n  \"exam_question\": ");
            if (flaw == Flaw.NoQuestion)
            {
                sb.Append("\"\"");
            }
            else
            {
                AppendQuestion(sb, document, ref rng);
            }

            sb.Append(",\n  \"question_category\": \"");
            AppendCategory(sb, r, ref rng);
            sb.Append("\",\n  \"extracted_answer\": ");
            SimJson.AppendJsonString(sb, answer);
            sb.Append(",\n  \"independent_answer\": [");
            if (flaw != Flaw.NoAnswer)
            {
                var steps = 1 + rng.Next(4);
                for (var i = 1; i <= steps; i++)
                {
                    // AppendSentence puts the space after the colon.
                    sb.Append("\n    \"Step ").Append(i).Append(':');
                    SimText.AppendSentence(sb, ref rng);
                    sb.Append("\",");
                }

                sb.Append("\n    \"Therefore, the final answer is ");
                if (flaw == Flaw.NoBoxed)
                {
                    SimJson.AppendJsonEscaped(sb, answer);
                }
                else
                {
                    sb.Append(rawLatex ? "\\boxed{" : "\\\\boxed{");
                    SimJson.AppendJsonEscaped(sb, answer);
                    sb.Append('}');
                }

                sb.Append(".\"\n  ");
            }

            sb.Append("]\n}");
            NrSimDocument.AppendClosing(sb, framing, rng.Pick(Tails));
        }

        if (SimText.Truncate(sb, SimTokens.CharBudget(r.MaxTokens)))
        {
            finish = SimAnswer.Length;
        }

        return SimAnswer.Text(SimText.ToStringAndReturn(sb), finish);
    }

    private enum Flaw
    {
        None,
        Broken,
        NoQuestion,
        NoAnswer,
        NoBoxed,
    }

    /// <summary>What is wrong with this reply, from one uniform draw: the failure shares stacked in Matrix's check order.</summary>
    private static Flaw PickFlaw(double u)
    {
        var edge = BrokenProbability;
        if (u < edge)
        {
            return Flaw.Broken;
        }

        if (u < (edge += NoQuestionProbability))
        {
            return Flaw.NoQuestion;
        }

        if (u < (edge += NoAnswerProbability))
        {
            return Flaw.NoAnswer;
        }

        return u < edge + NoBoxedProbability ? Flaw.NoBoxed : Flaw.None;
    }

    private static void AppendQuestion(StringBuilder sb, string document, ref SimRandom rng)
    {
        var sentence = NrSimDocument.FirstSentence(document, 160);
        sb.Append('"');
        if (!sentence.IsEmpty)
        {
            SimJson.AppendJsonEscaped(sb, sentence).Append(sentence[^1] is '.' or '?' or '!' ? " " : ". ");
        }

        sb.Append(rng.Pick(Stems)).Append('"');
    }

    /// <summary>One label of the prompt's "Categories: A, B, ..." line, or "Other" when the prompt lists none.</summary>
    private static void AppendCategory(StringBuilder sb, LlmRequest r, ref SimRandom rng)
    {
        foreach (var m in r.Messages)
        {
            if (m is not { Role: "system", Content: { } content })
            {
                continue;
            }

            var at = content.IndexOf(CategoriesPrefix, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var line = content.AsSpan(at + CategoriesPrefix.Length);
            var end = line.IndexOfAny('\n', '.');
            if (end >= 0)
            {
                line = line[..end];
            }

            var pick = rng.Next(line.Count(',') + 1);
            foreach (var range in line.Split(','))
            {
                if (pick-- == 0)
                {
                    sb.Append(line[range].Trim());
                    return;
                }
            }
        }

        sb.Append("Other");
    }

    /// <summary>A reply no JSON reader can use; returns its finish reason.</summary>
    private static string AppendBroken(StringBuilder sb, string document, ref SimRandom rng)
    {
        switch (rng.Next(3))
        {
            case 0:
                // Ran out of tokens in the middle of the steps.
                sb.Append(rng.Pick(Leads)).Append("\n\n```json\n{\n  \"exam_question\": ");
                AppendQuestion(sb, document, ref rng);
                sb.Append(",\n  \"question_category\": \"Other\",\n  \"independent_answer\": [\n    \"Step 1:");
                SimText.AppendSentence(sb, ref rng);
                return SimAnswer.Length;
            case 1:
                sb.Append("The document does not describe a problem with a definite answer, so I cannot write an exam question for it.");
                break;
            default:
                // A quotation mark the model did not escape.
                sb.Append("{\"exam_question\": \"What does the \"final result\" in the text refer to?\", \"question_category\": \"Other\", ")
                    .Append("\"extracted_answer\": \"1\", \"independent_answer\": [\"The answer is \\\\boxed{1}.\"]}");
                break;
        }

        return SimAnswer.Stop;
    }
}
