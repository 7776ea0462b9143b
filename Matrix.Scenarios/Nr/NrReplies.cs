using System.Globalization;
using System.Text.Json;

namespace Matrix.Scenarios.Nr;

/// <summary>What the question step found: a usable question and answer, or why not.</summary>
internal sealed record NrQuestionResult(string? Rejection, string? Question = null, string? Category = null, string? Answer = null, IReadOnlyList<string>? Steps = null);

/// <summary>Reads the three nr replies the way Matrix's <c>nr_curation.py</c> judges them.</summary>
internal static class NrReplies
{
    /// <summary>The mark the last solution step must contain.</summary>
    public const string Boxed = "\\boxed{";

    /// <summary>
    /// Matrix keeps a document only when the classifier's text is exactly "Yes". Here surrounding whitespace and
    /// one trailing stop or exclamation mark are allowed too ("Yes." is the same verdict; a real classifier at
    /// temperature 1 emits it now and then), but the case still matters: "yes" and "YES" are not what the
    /// fine-tuned classifier was trained to say, so they count as No, as in Matrix.
    /// </summary>
    public static bool IsYes(string? reply)
    {
        var text = reply.AsSpan().Trim();
        if (text.Length > 0 && text[^1] is '.' or '!')
        {
            text = text[..^1];
        }

        return text.SequenceEqual("Yes");
    }

    /// <summary>
    /// The four rubric scores (completeness, complexity, correctness, reasoning), or null when the reply holds
    /// no JSON object with four whole-number criteria (<see cref="NrReasons.ByScoreWithoutJson"/>). Keys are
    /// matched by name (case, spaces and hyphens ignored; Matrix's <c>criteria_1</c>..<c>criteria_4</c> too);
    /// criteria still missing take the object's other numeric values in order, as Matrix's extract_json does.
    /// A number given as a string ("3") counts; fractions and words do not, since the rubric asks for integers.
    /// </summary>
    public static int[]? ParseScores(string? reply)
    {
        if (!NrJson.TryExtractObject(reply, out var json))
        {
            return null;
        }

        var scores = new int?[4];
        var others = new List<int>(4);
        foreach (var property in json.EnumerateObject())
        {
            var criterion = CriterionOf(property.Name);
            var number = WholeNumber(property.Value);
            if (criterion >= 0)
            {
                if (number is null || scores[criterion] is not null)
                {
                    return null;
                }

                scores[criterion] = number;
            }
            else if (number is { } n)
            {
                others.Add(n);
            }
        }

        var result = new int[4];
        var next = 0;
        for (var i = 0; i < result.Length; i++)
        {
            if (scores[i] is { } s)
            {
                result[i] = s;
            }
            else if (next < others.Count)
            {
                result[i] = others[next++];
            }
            else
            {
                return null;
            }
        }

        return result;
    }

    /// <summary>Whether every criterion is above 0 (Matrix: <c>all(v &gt; 0)</c>).</summary>
    public static bool Passes(int[] scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        return Array.TrueForAll(scores, s => s > 0);
    }

    /// <summary>
    /// Judges the question writer's reply, in Matrix's order: no JSON object → <c>filter_by_question_wo_json</c>;
    /// empty <c>exam_question</c> → <c>filter_by_no_question</c>; no steps in <c>independent_answer</c> →
    /// <c>filter_by_no_answer</c>; a last step without <c>\boxed{</c> → <c>filter_by_no_boxed_answer</c>. Stricter
    /// than Matrix in one point: an empty <c>extracted_answer</c> is also <c>filter_by_no_answer</c>, since the
    /// row's <c>answer</c> column would be empty and a question without a reference answer is of no use for
    /// training. <c>independent_answer</c> given as one string is one step. The category is kept as the model
    /// wrote it (trimmed; null when missing), not checked against the prompt's list, as in Matrix.
    /// </summary>
    public static NrQuestionResult ParseQuestion(string? reply)
    {
        if (!NrJson.TryExtractObject(reply, out var json))
        {
            return new NrQuestionResult(NrReasons.ByQuestionWithoutJson);
        }

        JsonElement? questionField = null, categoryField = null, answerField = null, stepsField = null;
        foreach (var property in json.EnumerateObject())
        {
            // A short alias (question, category, answer, steps) counts only when the long name is absent.
            switch (Normalize(property.Name))
            {
                case "exam_question":
                    questionField = property.Value;
                    break;
                case "question":
                    questionField ??= property.Value;
                    break;
                case "question_category":
                    categoryField = property.Value;
                    break;
                case "category":
                    categoryField ??= property.Value;
                    break;
                case "extracted_answer":
                    answerField = property.Value;
                    break;
                case "answer":
                    answerField ??= property.Value;
                    break;
                case "independent_answer":
                    stepsField = property.Value;
                    break;
                case "steps":
                    stepsField ??= property.Value;
                    break;
            }
        }

        var question = Text(questionField);
        if (string.IsNullOrWhiteSpace(question))
        {
            return new NrQuestionResult(NrReasons.ByNoQuestion);
        }

        var steps = Steps(stepsField);
        var answer = Text(answerField);
        if (steps.Count == 0 || string.IsNullOrWhiteSpace(answer))
        {
            return new NrQuestionResult(NrReasons.ByNoAnswer);
        }

        if (!steps[^1].Contains(Boxed, StringComparison.Ordinal))
        {
            return new NrQuestionResult(NrReasons.ByNoBoxedAnswer);
        }

        var category = Text(categoryField);
        return new NrQuestionResult(null, question.Trim(), string.IsNullOrWhiteSpace(category) ? null : category.Trim(), answer.Trim(), steps);
    }

    /// <summary>The steps as a compact JSON array of strings, for the <c>steps</c> column.</summary>
    public static string StepsJson(IReadOnlyList<string> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var step in steps)
            {
                writer.WriteStringValue(step);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>A key as Matrix normalizes it: trimmed, lower case, spaces and hyphens as underscores.</summary>
    private static string Normalize(string key) => key.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');

    private static int CriterionOf(string key) => Normalize(key) switch
    {
        "completeness" or "criteria_1" or "criterion_1" => 0,
        "complexity" or "technical_depth" or "complexity_and_technical_depth" or "criteria_2" or "criterion_2" => 1,
        "correctness" or "technical_correctness" or "criteria_3" or "criterion_3" => 2,
        "reasoning" or "thinking_and_reasoning" or "criteria_4" or "criterion_4" => 3,
        _ => -1,
    };

    private static int? WholeNumber(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) <= 1e6)
        {
            return (int)d;
        }

        return value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var i)
            ? i
            : null;
    }

    /// <summary>A string as is, a number or boolean as its JSON text (an answer of 42 is "42"); else null.</summary>
    private static string? Text(JsonElement? value) => value?.ValueKind switch
    {
        JsonValueKind.String => value.Value.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.Value.GetRawText(),
        _ => null,
    };

    private static List<string> Steps(JsonElement? value)
    {
        var steps = new List<string>();
        if (value is { ValueKind: JsonValueKind.Array } array)
        {
            foreach (var item in array.EnumerateArray())
            {
                if (Text(item) is { } step && !string.IsNullOrWhiteSpace(step))
                {
                    steps.Add(step);
                }
            }
        }
        else if (Text(value) is { } single && !string.IsNullOrWhiteSpace(single))
        {
            steps.Add(single);
        }

        return steps;
    }
}
