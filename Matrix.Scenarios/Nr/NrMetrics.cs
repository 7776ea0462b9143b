using Matrix.Engine.Orchestration;
using Matrix.Engine.Scenarios;

namespace Matrix.Scenarios.Nr;

/// <summary>
/// The curation funnel as pass rates (Matrix's Table 7 read the other way round): of the documents that reached
/// each check, the share that passed it, and the share of all documents that ended <c>success</c>. A malformed
/// row has no state and adds nothing; a task that failed (an LLM error) counts for the checks it got through.
/// </summary>
internal sealed class NrMetrics : ScenarioMetrics
{
    public override void Add(Orchestrator task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.State is not NrState state)
        {
            return;
        }

        var rejection = state.Rejection;
        Observe("success_rate", task.Outcome == TaskOutcome.Success ? 1 : 0);
        if (state.EnglishScore is not null)
        {
            Observe("en_pass_rate", rejection == NrReasons.ByEn ? 0 : 1);
        }

        if (state.Stage >= NrStage.Filtered && rejection != NrReasons.ByEn)
        {
            Observe("classifier_pass_rate", rejection == NrReasons.ByClassifier ? 0 : 1);
        }

        if (state.Stage >= NrStage.Scored)
        {
            Observe("score_pass_rate", rejection is NrReasons.ByScore or NrReasons.ByScoreWithoutJson ? 0 : 1);
        }

        if (state.Stage >= NrStage.Questioned)
        {
            Observe("question_pass_rate", rejection is null ? 1 : 0);
        }
    }
}
