using Matrix.Store.Arrow.Read;
using Matrix.Store.Arrow.Repair;

namespace Matrix.Hosting.Run;

/// <summary>
/// What <c>--resume</c> finds in the output directory: rank 0 first repairs parts cut off by a crash
/// (setting aside what cannot be read), then every rank reads the ids that already have a record, so
/// that it admits exactly the others. With <c>--retry-failed</c>, rank 0 also takes the failed records out
/// of the parts (<see cref="PartRetry"/>) before the barrier, so no rank reads a part while it changes, and
/// no rank admits a task before every failed record is gone: their tasks are admitted again like those
/// that never had a record.
/// </summary>
internal sealed class ResumeState
{
    private ResumeState(PartRepairReport repair, PartRetryReport retry, HashSet<string> done, Dictionary<string, Dictionary<string, long>> reasons)
    {
        Repair = repair;
        Retry = retry;
        Done = done;
        Reasons = reasons;
    }

    public PartRepairReport Repair { get; }

    /// <summary>The failed records removed for <c>--retry-failed</c> (rank 0 only; none on other ranks).</summary>
    public PartRetryReport Retry { get; }

    /// <summary>Ids of tasks that already have a record, in any rank's parts.</summary>
    public HashSet<string> Done { get; }

    /// <summary>The existing records' counts by status and reason, for the manifest.</summary>
    public Dictionary<string, Dictionary<string, long>> Reasons { get; }

    public static async Task<ResumeState> LoadAsync(string directory, RankSession session, bool retryFailed, CancellationToken cancellationToken)
    {
        var repair = session.Rank == 0 ? PartRepair.Repair(directory) : new PartRepairReport([], [], 0, 0);
        var retry = PartRetryReport.None;
        if (session.Rank == 0)
        {
            // Without --retry-failed too: a copy left by an interrupted --retry-failed is garbage.
            PartRetry.DeleteLeftovers(directory);
            retry = retryFailed ? PartRetry.RemoveFailed(directory) : retry;
        }

        await session.BarrierAsync(cancellationToken).ConfigureAwait(false);

        var done = new HashSet<string>(StringComparer.Ordinal);
        var reasons = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        foreach (var record in PartScanner.Scan(directory))
        {
            if (!done.Add(record.Id))
            {
                continue;
            }

            var byReason = reasons.TryGetValue(record.Status, out var r) ? r : reasons[record.Status] = new Dictionary<string, long>(StringComparer.Ordinal);
            var reason = record.Reason ?? string.Empty;
            byReason[reason] = byReason.GetValueOrDefault(reason) + 1;
        }

        return new ResumeState(repair, retry, done, reasons);
    }
}
