using System.Text.Json.Nodes;

namespace Matrix.Hosting.Bench;

/// <summary>What a suite asks for: one <c>matrix run</c> (its arguments without <c>--out</c>) on some ranks.</summary>
internal sealed record RunSpec(string Name, string Scenario, IReadOnlyList<string> Args)
{
    public int Ranks { get; init; } = 1;

    /// <summary>The scheduler the run asks for (fleet suite), null when the engine's default.</summary>
    public string? Scheduler { get; init; }

    /// <summary>1-based repetition of an alternating series.</summary>
    public int Repeat { get; init; } = 1;
}

/// <summary>One child run of a bench: its exact command, how it ended, its manifest and the figures derived from it.</summary>
internal sealed class BenchRun(string suite, RunSpec spec, IReadOnlyList<string> command)
{
    public string Suite { get; } = suite;

    public RunSpec Spec { get; } = spec;

    public string Name => Spec.Name;

    /// <summary>The exact command line, executable first.</summary>
    public IReadOnlyList<string> Command { get; } = command;

    public int? ExitCode { get; set; }

    /// <summary>The machine's load averages just before the run started (other work skews timings).</summary>
    public string? LoadAverageBefore { get; set; }

    public double WallSeconds { get; set; }

    /// <summary>Why the run has no figures (exit code and its last error line, a timeout, no manifest); null when it ran.</summary>
    public string? Error { get; set; }

    /// <summary>The last lines the run wrote to stderr, kept when it failed.</summary>
    public IReadOnlyList<string> ErrorTail { get; set; } = [];

    public JsonObject? Manifest { get; set; }

    /// <summary>Figures in report order; null where the manifest lacks the key.</summary>
    public OrderedDictionary<string, double?> Derived { get; } = new(StringComparer.Ordinal);

    public bool Succeeded => Error is null && Manifest is not null;

    public double? this[string figure] => Derived.TryGetValue(figure, out var v) ? v : null;

    /// <summary>The command as one shell line (arguments quoted where a shell needs it).</summary>
    public string CommandLine => ShellQuote.Join(Command);
}

/// <summary>POSIX shell quoting for the commands the report prints, so they can be pasted.</summary>
internal static class ShellQuote
{
    public static string Join(IEnumerable<string> args) => string.Join(' ', args.Select(Quote));

    public static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,@+%".Contains(c, StringComparison.Ordinal))
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
