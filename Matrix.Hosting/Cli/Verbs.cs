using CommandLine;

namespace Matrix.Hosting.Cli;

/// <summary><c>matrix run SCENARIO</c>. Every flag is also a setting key; flags win over --set, which wins over --config.</summary>
[Verb("run", HelpText = "Run a scenario: admit its input rows as tasks, pass them between agents, write Arrow parts and manifest.json.")]
internal sealed class RunVerb
{
    [Value(0, MetaName = "scenario", Required = false, HelpText = "The scenario to run (coral, nr, tau2, or your own).")]
    public string? Scenario { get; set; }

    [Option("input", HelpText = "Input file (JSONL or .jsonl.zst; tau2: a domain folder). Default: the scenario's built-in sample data.")]
    public string? Input { get; set; }

    [Option("data", HelpText = "Alias of --input (tau2 domain folders).")]
    public string? Data { get; set; }

    [Option("out", HelpText = "Output directory (default: out).")]
    public string? Out { get; set; }

    [Option("llm", HelpText = "'sim' (default): the built-in simulated LLM; 'oracle' (tau2): replay each task's reference solution; or base URLs such as http://node17:8000/v1, comma-separated.")]
    public string? Llm { get; set; }

    [Option("model", HelpText = "Model name sent to the endpoint (default: default).")]
    public string? Model { get; set; }

    [Option("tasks", HelpText = "Use at most N input rows.")]
    public string? Tasks { get; set; }

    [Option("trials", HelpText = "Tasks per input row (default 1).")]
    public string? Trials { get; set; }

    [Option("concurrency", HelpText = "Tasks in flight at once per rank (default 1024).")]
    public string? Concurrency { get; set; }

    [Option("seed", HelpText = "Run seed (default 0): the same seed gives the same records.")]
    public string? Seed { get; set; }

    [Option("config", HelpText = "YAML file of settings (nested keys: 'llm: {max_retries: 3}' is llm.max_retries).")]
    public string? Config { get; set; }

    [Option("set", Separator = ' ', HelpText = "Override any setting: --set key=value [key=value ...] (see --help-settings).")]
    public IEnumerable<string> Set { get; set; } = [];

    [Option("resume", HelpText = "Continue the run in --out: repair parts cut off by a crash, admit only the tasks that have no record yet, append new parts.")]
    public bool Resume { get; set; }

    [Option("retry-failed", HelpText = "With --resume: run the tasks whose record has status 'failed' again; their old records are removed from the parts first, so every task keeps exactly one.")]
    public bool RetryFailed { get; set; }

    [Option("metrics-port", HelpText = "Serve live Prometheus metrics at http://<node>:P+<local rank>/metrics while the job runs (0: off; docs/metrics.md).")]
    public string? MetricsPort { get; set; }

    [Option("help-settings", HelpText = "List every setting of the scenario with its default, then exit.")]
    public bool HelpSettings { get; set; }

    [Option("log-level", HelpText = Logging.LogOptions.LevelHelp)]
    public string? LogLevel { get; set; }

    [Option("log-format", HelpText = Logging.LogOptions.FormatHelp)]
    public string? LogFormat { get; set; }
}

/// <summary><c>matrix sim-server</c>: the simulated LLM over HTTP, OpenAI-compatible.</summary>
[Verb("sim-server", HelpText = "Serve the simulated LLM over HTTP (/v1/chat/completions, /v1/models, /health).")]
internal sealed class SimServerVerb
{
    [Option("port", Default = 8000, HelpText = "Port to listen on (0: a free one, printed at start).")]
    public int Port { get; set; }

    [Option("host", Default = "127.0.0.1", HelpText = "Address to bind (0.0.0.0 for every interface).")]
    public string Host { get; set; } = "127.0.0.1";

    [Option("replicas", HelpText = "Simulated replicas (default 8).")]
    public int? Replicas { get; set; }

    [Option("slots", HelpText = "Concurrent sequences per replica (default 64).")]
    public int? Slots { get; set; }

    [Option("decode-ms", HelpText = "Milliseconds of one decode step at batch size 1 (default 8).")]
    public double? DecodeMs { get; set; }

    [Option("zero-latency", HelpText = "Answer at once: no simulated prefill or decode time.")]
    public bool ZeroLatency { get; set; }

    [Option("fail-rate", Default = 0.0, HelpText = "Fraction of distinct requests whose first attempt answers an error (testing retries).")]
    public double FailRate { get; set; }

    [Option("permanent-fail-rate", Default = 0.0, HelpText = "Fraction of distinct requests that always answer an error.")]
    public double PermanentFailRate { get; set; }

    [Option("hang-rate", Default = 0.0, HelpText = "Fraction of distinct requests whose first attempt never answers.")]
    public double HangRate { get; set; }

    [Option("fail-status", Default = 500, HelpText = "HTTP status of injected errors (500, 503, 429...).")]
    public int FailStatus { get; set; }

    [Option("truncate-rate", Default = 0.0, HelpText = "Fraction of distinct requests whose first attempt answers 200 with the body cut off (testing retries of malformed answers).")]
    public double TruncateRate { get; set; }

    [Option("max-context", HelpText = "Refuse prompts longer than this many tokens with HTTP 400, in vLLM's words.")]
    public int? MaxContext { get; set; }

    [Option("api-key-env", HelpText = "Require 'Authorization: Bearer <key>' with the key read from this environment variable (vLLM's --api-key).")]
    public string? ApiKeyEnv { get; set; }

    [Option("log-level", HelpText = Logging.LogOptions.LevelHelp)]
    public string? LogLevel { get; set; }

    [Option("log-format", HelpText = Logging.LogOptions.FormatHelp)]
    public string? LogFormat { get; set; }
}

/// <summary><c>matrix inspect DIR</c>.</summary>
[Verb("inspect", HelpText = "Summarize an output directory: counts by status and reason, tokens, schema, sample rows.")]
internal sealed class InspectVerb
{
    [Value(0, MetaName = "dir", Required = true, HelpText = "The output directory of a run.")]
    public string Directory { get; set; } = string.Empty;
}

/// <summary><c>matrix ranks</c>: checks a launch (srun, mpiexec) by having every rank report in.</summary>
[Verb("ranks", HelpText = "Check a multi-rank launch: every rank reports its host and pid through MPI; rank 0 prints them.")]
internal sealed class RanksVerb
{
}

/// <summary><c>matrix bench</c>: runs a benchmark suite as child <c>matrix run</c> processes on the simulated fleet.</summary>
[Verb("bench", HelpText = "Benchmark suites on the simulated LLM fleet (each configuration a child 'matrix run'): prints a table, writes bench.json, bench.md and bench.svg.")]
internal sealed class BenchVerb
{
    [Option("suite", HelpText = "Which suite: ceiling (LLM-free engine: hops/s, trajectories/s, hop latency, 1 and 2 ranks), fleet (coral, nr, tau2 on a fleet of known capacity, p2p vs batch vs central schedulers), scale (1k to 100k tasks in flight: memory per task), or all.")]
    public string? Suite { get; set; }

    [Option("out", HelpText = "Directory for bench.json, bench.md, bench.svg and the runs (default: bench-<yyyyMMdd-HHmmss>).")]
    public string? Out { get; set; }

    [Option("quick", HelpText = "Shrink every suite to a smoke size that runs in seconds (CI).")]
    public bool Quick { get; set; }

    [Option("ranks", HelpText = "ceiling: 1 measures one rank only; 2 also runs 'mpiexec -n 2' (the default when mpiexec is on PATH).")]
    public int? Ranks { get; set; }

    [Option("repeat", HelpText = "fleet: runs of each scheduler, alternating p2p, batch, central (default 1).")]
    public int? Repeat { get; set; }

    [Option("max-in-flight", HelpText = "scale: the largest number of tasks in flight to try (default 100000; levels are 1000, 10000, 100000).")]
    public int? MaxInFlight { get; set; }

    [Option("keep-runs", HelpText = "Keep each run's output directory (parts, manifest) under DIR/runs; by default they are deleted after their figures are read.")]
    public bool KeepRuns { get; set; }

    [Option("timeout", HelpText = "Seconds a single run may take before it is killed and reported failed (default 1800).")]
    public int? Timeout { get; set; }
}
