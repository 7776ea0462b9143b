using System.Globalization;
using System.Text;

namespace Matrix.Hosting.Bench;

/// <summary>
/// DIR/bench.md (and the table the bench prints): one section per suite with the project's target
/// beside each figure, the machine on top, and the exact command of every run below its table.
/// </summary>
internal static class BenchMarkdownWriter
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Render(BenchReport report, bool withCommands)
    {
        var md = new StringBuilder();
        md.AppendLine("# matrix bench").AppendLine();
        md.AppendLine($"Machine: {report.Machine.Describe()}; load average (1, 5, 15 min) {report.LoadAverage.Start ?? Format.Missing} at the start, {report.LoadAverage.End ?? Format.Missing} at the end.").AppendLine();
        md.AppendLine(Inv, $"Bench: `{report.CommandLine}`, started {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, {(report.FinishedAt - report.StartedAt).TotalSeconds:0} s, {report.Runs.Count} runs ({report.FailedRuns} failed){(report.Complete ? string.Empty : ", INTERRUPTED")}. Every figure comes from one child run's manifest.json; ratios are taken within this bench only.");
        foreach (var suite in report.Suites)
        {
            md.AppendLine();
            switch (suite)
            {
                case CeilingResult c:
                    Ceiling(md, c);
                    break;
                case FleetResult f:
                    Fleet(md, f, report.Options.Quick);
                    break;
                case ScaleResult s:
                    Scale(md, s, report.Options.Quick);
                    break;
            }

            Notes(md, suite, withCommands);
        }

        return md.ToString();
    }

    private static void Ceiling(StringBuilder md, CeilingResult c)
    {
        md.AppendLine(Inv, $"## Engine ceiling: coral with LLM-free agents (sim.zero_latency=true) ({c.WallSeconds:0} s)").AppendLine();
        md.AppendLine("| run | hops/s | target | trajectories/s | target | hop latency p50 | target | hop p99 | cross-rank orchestrators/s | elapsed |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (var row in c.Rows)
        {
            if (row.Run is null)
            {
                md.AppendLine(Inv, $"| {row.Label} | skipped: {row.Skipped} | | | | | | | | |");
                continue;
            }

            var r = row.Run;
            var one = row.Ranks == 1;
            var hopsTarget = one ? PerformanceTargets.HopsPerSecondOneRank : PerformanceTargets.HopsPerSecondTwoRanks;
            md.Append(Inv, $"| {row.Label} | {Format.Whole(r["hops_per_second"])} | >= {Format.Whole(hopsTarget)} ({AtLeast(r["hops_per_second"], hopsTarget)}) ");
            md.Append(Inv, $"| {Format.Whole(r["trajectories_per_second"])} | {(one ? $">= {Format.Whole(PerformanceTargets.TrajectoriesPerSecondOneRank)} ({AtLeast(r["trajectories_per_second"], PerformanceTargets.TrajectoriesPerSecondOneRank)})" : string.Empty)} ");
            md.Append(Inv, $"| {Micros(r["hop_p50_us"])} | {(one ? $"< {Format.Whole(PerformanceTargets.HopP50Micros)} us ({Below(r["hop_p50_us"], PerformanceTargets.HopP50Micros)})" : string.Empty)} ");
            md.AppendLine(Inv, $"| {Micros(r["hop_p99_us"])} | {(one ? string.Empty : Format.Whole(r["cross_rank_orchestrators_per_second"]))} | {Format.Seconds(r["elapsed_seconds"])} |");
        }
    }

    private static void Fleet(StringBuilder md, FleetResult f, bool quick)
    {
        md.AppendLine(Inv, $"## Fleet: each scenario on a simulated fleet of known capacity C, p2p vs batch vs central ({f.WallSeconds:0} s)").AppendLine();
        md.AppendLine(Inv, $"Schedulers in alternating runs ({string.Join(", ", f.Schedulers)}, repeated {f.Repeat}x); figures are medians over the repetitions. C = replicas x slots / decode step at full batch (prefill time off, so C is the fleet's whole capacity); utilization = completion tokens/s / C (target for p2p: >= {Format.Percent(PerformanceTargets.FleetUtilization)}). Same fleet, tasks and concurrency for every scheduler; offloading off (the baselines run without it).").AppendLine();
        md.AppendLine("| scenario | fleet | tasks, concurrency | scheduler | tokens/s | C | utilization | tasks/s | task p50 | task p99 | queued share | CPU | peak memory | elapsed |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in f.Scenarios)
        {
            var p = s.Preset;
            var fleet = string.Create(Inv, $"{p.Replicas} x {p.Slots} slots, {p.DecodeMs} ms + {p.DecodeMsPerSeq} ms/seq");
            var load = string.Create(Inv, $"{Format.Whole(p.TaskCount(quick))}, {Format.Whole(p.Concurrency)}");
            foreach (var (name, x) in s.Schedulers)
            {
                var utilization = Format.Percent(x["utilization"]) + (name == FleetSuite.P2p ? $" (>= {Format.Percent(PerformanceTargets.FleetUtilization)}: {AtLeast(x["utilization"], PerformanceTargets.FleetUtilization)})" : string.Empty);
                md.AppendLine(Inv, $"| {s.Scenario} | {fleet} | {load} | {name} | {Format.Whole(x["completion_tokens_per_second"])} | {Format.Whole(p.CapacityTokensPerSecond)} | {utilization} | {Format.Short(x["tasks_per_second"])} | {Millis(x["task_p50_ms"])} | {Millis(x["task_p99_ms"])} | {Format.Percent(x["queued_share"])} | {Format.Seconds(x["cpu_seconds"])} | {Format.Bytes(x["peak_memory_bytes"])} | {Format.Seconds(x["elapsed_seconds"])} |");
            }
        }

        md.AppendLine().AppendLine("Throughput ratios (completion tokens/s, p2p over each baseline, within this bench):").AppendLine();
        md.AppendLine("| scenario | p2p / batch | p2p / central | per repetition | target | Matrix's own figure (its case study, a reference) |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var s in f.Scenarios)
        {
            var perRepeat = string.Join("; ", s.RatiosPerRepeat.Select(kv => $"{kv.Key}: {string.Join(", ", kv.Value.Select(Format.Times))}"));
            var target = PerformanceTargets.RatioTarget(s.Scenario) is { } t
                ? $">= {Format.Times(t.AtLeast)} over {t.Baseline} ({AtLeast(s.Ratios.GetValueOrDefault(t.Baseline), t.AtLeast)})"
                : string.Empty;
            var reference = PerformanceTargets.MatrixRatio(s.Scenario) is { } m ? $"{Format.Times(m.Ratio)} over {m.Against} ({m.Baseline})" : string.Empty;
            md.AppendLine(Inv, $"| {s.Scenario} | {Format.Times(s.Ratios.GetValueOrDefault("batch"))} | {Format.Times(s.Ratios.GetValueOrDefault("central"))} | {(perRepeat.Length == 0 ? Format.Missing : perRepeat)} | {target} | {reference} |");
        }
    }

    private static void Scale(StringBuilder md, ScaleResult s, bool quick)
    {
        md.AppendLine(Inv, $"## Scale: tasks in flight on one rank (coral; 100 replicas x 1,000 slots, {ScaleSuite.DecodeMs(quick)} ms decode steps, --concurrency N --tasks N) ({s.WallSeconds:0} s)").AppendLine();
        md.AppendLine("Memory per in-flight task = (peak memory at N - peak memory of the baseline run) / (peak in flight at N - the baseline's). Offloading on (the default, store.offload_bytes=512).").AppendLine();
        md.AppendLine("| tasks in flight | peak in flight | tasks/s | hops/s | peak memory | memory per in-flight task | target | elapsed |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        if (s.Baseline is { } b)
        {
            md.AppendLine(Inv, $"| baseline ({Format.Whole(ScaleSuite.BaselineTasks)} tasks) | {Format.Whole(b["peak_in_flight"])} | {Format.Short(b["tasks_per_second"])} | {Format.Whole(b["hops_per_second"])} | {Format.Bytes(b["peak_memory_bytes"])} | | | {Format.Seconds(b["elapsed_seconds"])} |");
        }

        foreach (var row in s.Rows)
        {
            var r = row.Run;
            var target = row.InFlight >= 100_000
                ? $"<= {Format.Bytes(PerformanceTargets.MemoryPerInFlightTaskBytes)} ({Below(row.MemoryPerInFlightTaskBytes, PerformanceTargets.MemoryPerInFlightTaskBytes, orEqual: true)})"
                : string.Empty;
            md.AppendLine(Inv, $"| {Format.Whole(row.InFlight)} | {Format.Whole(r["peak_in_flight"])} | {Format.Short(r["tasks_per_second"])} | {Format.Whole(r["hops_per_second"])} | {Format.Bytes(r["peak_memory_bytes"])} | {Format.Bytes(row.MemoryPerInFlightTaskBytes)} | {target} | {Format.Seconds(r["elapsed_seconds"])} |");
        }
    }

    private static void Notes(StringBuilder md, SuiteResult suite, bool withCommands)
    {
        var failed = suite.Runs.Where(r => !r.Succeeded).ToList();
        if (suite.Notes.Count > 0 || failed.Count > 0)
        {
            md.AppendLine();
            foreach (var note in suite.Notes)
            {
                md.AppendLine($"- Note: {note}.");
            }

            foreach (var run in failed)
            {
                md.AppendLine($"- FAILED: {run.Name}: {run.Error}");
            }
        }

        if (withCommands)
        {
            md.AppendLine().AppendLine("Commands:").AppendLine();
            foreach (var run in suite.Runs)
            {
                md.AppendLine(Inv, $"- {run.Name} ({run.WallSeconds:0.0} s wall, load average before {run.LoadAverageBefore ?? Format.Missing}): `{run.CommandLine}`");
            }
        }
    }

    private static string AtLeast(double? value, double target) => Format.Met(value is null ? null : value >= target);

    private static string Below(double? value, double target, bool orEqual = false) => Format.Met(value is null ? null : orEqual ? value <= target : value < target);

    private static string Micros(double? us) => us is null ? Format.Missing : Format.Short(us) + " us";

    private static string Millis(double? ms) => ms is null ? Format.Missing : Format.Short(ms) + " ms";
}
