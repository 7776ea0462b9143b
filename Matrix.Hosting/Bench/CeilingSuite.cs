using System.Globalization;
using System.Text.Json.Nodes;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Hosting.Bench;

/// <summary>
/// The engine's own ceiling: coral with LLM-free agents (<c>sim.zero_latency=true</c>), on one rank and,
/// through <c>mpiexec -n 2</c>, on two ranks with coral's roles pinned apart so that hops cross ranks
/// (teacher and matcher on rank 0, extractor and student on rank 1, as docs/BENCHMARKS.md measures it).
/// </summary>
internal sealed class CeilingSuite : IBenchSuite
{
    public const int Tasks = 100_000;
    public const int TwoRankTasks = 20_000;
    public const int QuickTasks = 5_000;
    public const int QuickTwoRankTasks = 2_000;

    public string Name => BenchOptions.Ceiling;

    public async Task<SuiteResult> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var quick = context.Options.Quick;
        var result = new CeilingResult();
        var tasks = quick ? QuickTasks : Tasks;

        // Without LLM latency, concurrency only adds queueing: low concurrency shows the hop latency, the
        // default shows what a user gets, offloading on is every default.
        var rows = new List<(string Label, RunSpec? Spec, string? Skipped)>
        {
            ("1 rank, concurrency 16", Spec("1-rank-c16", tasks, 16, "store.offload_bytes=0"), null),
            ("1 rank, concurrency 256", Spec("1-rank-c256", tasks, 256, "store.offload_bytes=0"), null),
            ("1 rank, concurrency 1024 (default)", Spec("1-rank-c1024", tasks, null, "store.offload_bytes=0"), null),
            ("1 rank, concurrency 1024, offloading on (all defaults)", Spec("1-rank-c1024-offload", tasks, null), null),
        };

        const string TwoRanks = "2 ranks (mpiexec -n 2), roles pinned apart, concurrency 1024";
        switch (context.Options.Ranks)
        {
            case 1:
                result.Note("2 ranks: not run (--ranks 1)");
                break;
            case 2 or null when context.Executable.MpiExec is null:
                rows.Add((TwoRanks, null, "mpiexec is not on PATH: the 2-rank row is skipped"));
                break;
            default:
                rows.Add((TwoRanks, Spec(
                    "2-ranks",
                    quick ? QuickTwoRankTasks : TwoRankTasks,
                    null,
                    "store.offload_bytes=0",
                    "transport.advertise_host=127.0.0.1",
                    "transport.bind=127.0.0.1",
                    "placement.teacher=0",
                    "placement.matcher=0",
                    "placement.extractor=1",
                    "placement.student=1") with
                { Ranks = 2 }, null));
                break;
        }

        var planned = rows.Count(r => r.Spec is not null);
        var index = 0;
        foreach (var (label, spec, skipped) in rows)
        {
            if (spec is null)
            {
                result.Rows.Add(new CeilingRow(label, "2 ranks", 2, null, skipped));
                result.Note(skipped!);
                continue;
            }

            var run = await context.RunAsync(Name, spec, string.Create(CultureInfo.InvariantCulture, $"{++index}/{planned}"), cancellationToken).ConfigureAwait(false);
            Derive(run);
            result.Runs.Add(run);
            result.Rows.Add(new CeilingRow(label, ShortLabel(spec), spec.Ranks, run, null));
        }

        result.NoteMissingContractKeys();
        return result;
    }

    private static RunSpec Spec(string name, int tasks, int? concurrency, params string[] settings)
    {
        var inv = CultureInfo.InvariantCulture;
        string[] limit = concurrency is { } c ? ["--concurrency", c.ToString(inv)] : [];
        return new(name, "coral", ["--tasks", tasks.ToString(inv), .. limit, "--set", $"{SimFleetOptions.ZeroLatencyKey}=true", .. settings]);
    }

    /// <summary>The chart's label: "1 rank c16", "1 rank c1024 offload", "2 ranks".</summary>
    private static string ShortLabel(RunSpec spec) =>
        spec.Ranks > 1 ? "2 ranks" : "1 rank " + spec.Name["1-rank-".Length..].Replace("-offload", " offload", StringComparison.Ordinal);

    /// <summary>Trajectories are coral tasks; orchestrators crossing ranks per second from the per-rank peer counters.</summary>
    private static void Derive(BenchRun run)
    {
        if (!run.Succeeded)
        {
            return;
        }

        run.Derived["trajectories_per_second"] = run["tasks_per_second"];
        if (run.Spec.Ranks > 1 && run.Manifest!["per_rank"] is JsonArray ranks && run["elapsed_seconds"] is double seconds && seconds > 0)
        {
            var sent = ranks.Sum(r => r?["peers"] is JsonArray peers ? peers.Sum(p => ManifestFigures.Number(p, "orchestrators_sent") ?? 0) : 0);
            run.Derived["cross_rank_orchestrators_per_second"] = sent / seconds;
        }
    }
}
