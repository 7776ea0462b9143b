using System.Text.Json;
using System.Text.Json.Nodes;

namespace Matrix.Hosting.Bench;

/// <summary>
/// DIR/bench.json: the machine, the bench's options, each suite's table figures and ratios, and every run
/// with its exact command, how it ended, the figures derived from it and its manifest (without the
/// effective configuration and the list of part files, which the command already determines).
/// A missing figure is null.
/// </summary>
internal static class BenchJsonWriter
{
    public const int FormatVersion = 1;

    public static async Task WriteAsync(string path, BenchReport report, CancellationToken cancellationToken)
    {
        var temp = path + ".tmp";
        await using (var stream = File.Create(temp))
        {
            await using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            Write(w, report);
            await w.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        File.Move(temp, path, overwrite: true);
    }

    private static void Write(Utf8JsonWriter w, BenchReport report)
    {
        w.WriteStartObject();
        w.WriteNumber("format_version", FormatVersion);
        w.WriteString("command", report.CommandLine);
        w.WriteString("started_at", report.StartedAt);
        w.WriteString("finished_at", report.FinishedAt);
        Number(w, "wall_seconds", Math.Round((report.FinishedAt - report.StartedAt).TotalSeconds, 1));
        w.WriteBoolean("complete", report.Complete);
        w.WriteNumber("runs_failed", report.FailedRuns);

        var o = report.Options;
        w.WriteStartObject("options");
        Strings(w, "suites", o.Suites);
        w.WriteBoolean("quick", o.Quick);
        if (o.Ranks is { } ranks)
        {
            w.WriteNumber("ranks", ranks);
        }
        else
        {
            w.WriteNull("ranks");
        }

        w.WriteNumber("repeat", o.Repeat);
        w.WriteNumber("max_in_flight", o.MaxInFlight);
        w.WriteBoolean("keep_runs", o.KeepRuns);
        w.WriteNumber("timeout_seconds", o.RunTimeout.TotalSeconds);
        w.WriteEndObject();

        var m = report.Machine;
        w.WriteStartObject("machine");
        w.WriteString("description", m.Describe());
        w.WriteString("host", m.Host);
        w.WriteNumber("cores", m.Cores);
        Number(w, "memory_bytes", m.MemoryBytes);
        w.WriteString("cpu_model", m.CpuModel);
        w.WriteString("os", m.Os);
        w.WriteString("dotnet", m.DotNet);
        w.WriteString("build", m.Build);
        w.WriteString("gc", m.Gc);
        w.WriteString("load_average_at_start", report.LoadAverage.Start);
        w.WriteString("load_average_at_end", report.LoadAverage.End);
        w.WriteEndObject();

        w.WriteStartObject("suites");
        foreach (var suite in report.Suites)
        {
            w.WriteStartObject(suite.Name);
            Number(w, "wall_seconds", Math.Round(suite.WallSeconds, 1));
            Strings(w, "notes", suite.Notes);
            Strings(w, "runs", suite.Runs.Select(r => r.Name));
            switch (suite)
            {
                case CeilingResult c:
                    WriteCeiling(w, c);
                    break;
                case FleetResult f:
                    WriteFleet(w, f, report.Options.Quick);
                    break;
                case ScaleResult s:
                    WriteScale(w, s);
                    break;
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();

        w.WriteStartArray("runs");
        foreach (var run in report.Runs)
        {
            WriteRun(w, run);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteCeiling(Utf8JsonWriter w, CeilingResult c)
    {
        w.WriteStartObject("targets");
        Number(w, "hops_per_second_one_rank", PerformanceTargets.HopsPerSecondOneRank);
        Number(w, "trajectories_per_second_one_rank", PerformanceTargets.TrajectoriesPerSecondOneRank);
        Number(w, "hop_p50_us_at_most", PerformanceTargets.HopP50Micros);
        Number(w, "hops_per_second_two_ranks", PerformanceTargets.HopsPerSecondTwoRanks);
        w.WriteEndObject();
        w.WriteStartArray("rows");
        foreach (var row in c.Rows)
        {
            w.WriteStartObject();
            w.WriteString("label", row.Label);
            w.WriteNumber("ranks", row.Ranks);
            w.WriteString("run", row.Run?.Name);
            w.WriteString("skipped", row.Skipped);
            foreach (var figure in (string[])["hops_per_second", "trajectories_per_second", "hop_p50_us", "hop_p99_us", "cross_rank_orchestrators_per_second", "elapsed_seconds"])
            {
                Number(w, figure, row.Run?[figure]);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteFleet(Utf8JsonWriter w, FleetResult f, bool quick)
    {
        w.WriteNumber("repeat", f.Repeat);
        Strings(w, "schedulers", f.Schedulers);
        Number(w, "target_utilization_p2p", PerformanceTargets.FleetUtilization);
        w.WriteStartArray("scenarios");
        foreach (var s in f.Scenarios)
        {
            var p = s.Preset;
            w.WriteStartObject();
            w.WriteString("scenario", s.Scenario);
            w.WriteStartObject("fleet");
            w.WriteNumber("replicas", p.Replicas);
            w.WriteNumber("slots", p.Slots);
            w.WriteNumber("decode_ms", p.DecodeMs);
            w.WriteNumber("decode_ms_per_seq", p.DecodeMsPerSeq);
            w.WriteNumber("prefill_us_per_token", 0);
            Number(w, "capacity_tokens_per_second", Math.Round(p.CapacityTokensPerSecond, 1));
            w.WriteEndObject();
            w.WriteNumber("concurrency", p.Concurrency);
            w.WriteNumber("tasks", p.TaskCount(quick));

            w.WriteStartObject("schedulers");
            foreach (var (name, summary) in s.Schedulers)
            {
                w.WriteStartObject(name);
                Strings(w, "runs", summary.Runs.Select(r => r.Name));
                w.WriteStartObject("median");
                foreach (var (figure, value) in summary.Medians)
                {
                    Number(w, figure, value);
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndObject();

            w.WriteStartObject("ratios");
            foreach (var (baseline, ratio) in s.Ratios)
            {
                Number(w, $"p2p_over_{baseline}", ratio);
            }

            w.WriteEndObject();
            w.WriteStartObject("ratios_per_repeat");
            foreach (var (baseline, ratios) in s.RatiosPerRepeat)
            {
                w.WriteStartArray($"p2p_over_{baseline}");
                foreach (var ratio in ratios)
                {
                    NumberValue(w, ratio);
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            if (PerformanceTargets.MatrixRatio(s.Scenario) is { } reference)
            {
                w.WriteStartObject("matrix_reference");
                w.WriteString("baseline", reference.Baseline);
                w.WriteNumber("ratio", reference.Ratio);
                w.WriteString("against", reference.Against);
                w.WriteEndObject();
            }

            if (PerformanceTargets.RatioTarget(s.Scenario) is { } target)
            {
                w.WriteStartObject("target");
                w.WriteString("baseline", target.Baseline);
                w.WriteNumber("at_least", target.AtLeast);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteScale(Utf8JsonWriter w, ScaleResult s)
    {
        Number(w, "target_memory_per_in_flight_task_bytes", PerformanceTargets.MemoryPerInFlightTaskBytes);
        w.WriteString("baseline", s.Baseline?.Name);
        w.WriteStartArray("rows");
        foreach (var row in s.Rows)
        {
            w.WriteStartObject();
            w.WriteNumber("in_flight", row.InFlight);
            w.WriteString("run", row.Run.Name);
            foreach (var figure in (string[])["peak_in_flight", "tasks_per_second", "hops_per_second", "peak_memory_bytes", "elapsed_seconds"])
            {
                Number(w, figure, row.Run[figure]);
            }

            Number(w, "memory_per_in_flight_task_bytes", row.MemoryPerInFlightTaskBytes);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteRun(Utf8JsonWriter w, BenchRun run)
    {
        w.WriteStartObject();
        w.WriteString("suite", run.Suite);
        w.WriteString("name", run.Name);
        w.WriteString("scenario", run.Spec.Scenario);
        w.WriteString("scheduler", run.Spec.Scheduler);
        w.WriteNumber("ranks", run.Spec.Ranks);
        w.WriteNumber("repeat", run.Spec.Repeat);
        Strings(w, "command", run.Command);
        w.WriteString("command_line", run.CommandLine);
        w.WriteString("load_average_before", run.LoadAverageBefore);
        Number(w, "exit_code", run.ExitCode);
        Number(w, "wall_seconds", Math.Round(run.WallSeconds, 3));
        w.WriteString("error", run.Error);
        if (run.Error is not null)
        {
            Strings(w, "error_tail", run.ErrorTail);
        }

        w.WriteStartObject("derived");
        foreach (var (figure, value) in run.Derived)
        {
            Number(w, figure, value);
        }

        w.WriteEndObject();
        w.WritePropertyName("manifest");
        if (run.Manifest is null)
        {
            w.WriteNullValue();
        }
        else
        {
            WriteManifest(w, run.Manifest);
        }

        w.WriteEndObject();
    }

    /// <summary>The manifest's figures: all of it but <c>config</c> and <c>output.files</c>.</summary>
    private static void WriteManifest(Utf8JsonWriter w, JsonObject manifest)
    {
        w.WriteStartObject();
        foreach (var (key, value) in manifest)
        {
            if (key == "config")
            {
                continue;
            }

            w.WritePropertyName(key);
            if (key == "output" && value is JsonObject output)
            {
                w.WriteStartObject();
                foreach (var (k, v) in output)
                {
                    if (k != "files")
                    {
                        w.WritePropertyName(k);
                        WriteNode(w, v);
                    }
                }

                w.WriteEndObject();
            }
            else
            {
                WriteNode(w, value);
            }
        }

        w.WriteEndObject();
    }

    private static void WriteNode(Utf8JsonWriter w, JsonNode? node)
    {
        if (node is null)
        {
            w.WriteNullValue();
        }
        else
        {
            node.WriteTo(w);
        }
    }

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    private static void Number(Utf8JsonWriter w, string name, double? value)
    {
        w.WritePropertyName(name);
        NumberValue(w, value);
    }

    private static void NumberValue(Utf8JsonWriter w, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            w.WriteNumberValue(Math.Round(v, 6));
        }
        else
        {
            w.WriteNullValue();
        }
    }
}
