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

    [Option("prompt", HelpText = "The prompt template of a scenario that takes one (generate): sets <scenario>.prompt, e.g. --prompt 'Translate to French: {{ text }}'.")]
    public string? Prompt { get; set; }

    [Option("system", HelpText = "The system prompt template of a scenario that takes one (generate): sets <scenario>.system.")]
    public string? SystemPrompt { get; set; }

    [Option("schema", HelpText = "A JSON Schema for the replies of a scenario that takes one (generate), inline or @file: sets <scenario>.schema.")]
    public string? Schema { get; set; }

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
