namespace Matrix.Scenarios.Nr;

/// <summary>
/// The <c>reason</c> of every finished nr task, named as in Matrix's <c>nr_curation.py</c>: one success and the
/// eight places a document can be dropped, in pipeline order.
/// </summary>
internal static class NrReasons
{
    public const string Success = "success";

    /// <summary>The English score (the row's language field, else the text heuristic) is below <c>nr.filter_en</c>; no LLM call.</summary>
    public const string ByEn = "filter_by_en";

    /// <summary>The classifier did not answer Yes.</summary>
    public const string ByClassifier = "filter_by_classifier";

    /// <summary>The rubric's JSON parsed, but a criterion is 0 or less.</summary>
    public const string ByScore = "filter_by_score";

    /// <summary>No JSON object with four whole-number criteria in the scorer's reply.</summary>
    public const string ByScoreWithoutJson = "filter_by_score_wo_json";

    /// <summary>The question writer's JSON has no (or an empty) <c>exam_question</c>.</summary>
    public const string ByNoQuestion = "filter_by_no_question";

    /// <summary>No solution steps (<c>independent_answer</c>) or no <c>extracted_answer</c>.</summary>
    public const string ByNoAnswer = "filter_by_no_answer";

    /// <summary>The last solution step has no <c>\boxed{</c>.</summary>
    public const string ByNoBoxedAnswer = "filter_by_no_boxed_answer";

    /// <summary>No JSON object in the question writer's reply.</summary>
    public const string ByQuestionWithoutJson = "filter_by_question_wo_json";

    /// <summary>Every reason, success first, then the drops in pipeline order.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        Success, ByEn, ByClassifier, ByScoreWithoutJson, ByScore, ByQuestionWithoutJson, ByNoQuestion, ByNoAnswer, ByNoBoxedAnswer,
    ];
}
