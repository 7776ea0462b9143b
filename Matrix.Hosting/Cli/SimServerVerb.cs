using CommandLine;

namespace Matrix.Hosting.Cli;

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
