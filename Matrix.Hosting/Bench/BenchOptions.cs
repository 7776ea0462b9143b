using System.Globalization;
using Matrix.Hosting.Cli;

namespace Matrix.Hosting.Bench;

/// <summary>The validated options of <c>matrix bench</c>; every mistake is a <see cref="UsageException"/> (exit code 2, one line).</summary>
internal sealed record BenchOptions(
    IReadOnlyList<string> Suites,
    string Out,
    bool Quick,
    int? Ranks,
    int Repeat,
    int MaxInFlight,
    bool KeepRuns,
    TimeSpan RunTimeout)
{
    public const string Ceiling = "ceiling";
    public const string Fleet = "fleet";
    public const string Scale = "scale";
    public const string All = "all";

    public const string JsonFile = "bench.json";
    public const string MarkdownFile = "bench.md";
    public const string SvgFile = "bench.svg";
    public const string RunsDirectory = "runs";

    /// <summary>The suites in the order 'all' runs them.</summary>
    public static readonly string[] SuiteNames = [Ceiling, Fleet, Scale];

    public const int DefaultMaxInFlight = 100_000;
    public const int MinMaxInFlight = 1_000;

    public static BenchOptions FromVerb(BenchVerb verb, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(verb);
        if (string.IsNullOrWhiteSpace(verb.Suite))
        {
            throw new UsageException("bench: name a suite: --suite ceiling, fleet, scale or all");
        }

        var suites = new List<string>();
        foreach (var name in verb.Suite.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (name == All)
            {
                suites.AddRange(SuiteNames);
            }
            else if (SuiteNames.Contains(name, StringComparer.Ordinal))
            {
                suites.Add(name);
            }
            else
            {
                throw new UsageException($"bench: unknown suite '{name}' (suites: ceiling, fleet, scale, all)");
            }
        }

        if (verb.Ranks is { } ranks && ranks is not (1 or 2))
        {
            throw new UsageException(Invariant($"bench: --ranks must be 1 or 2, got {ranks}"));
        }

        if (verb.Repeat is < 1)
        {
            throw new UsageException(Invariant($"bench: --repeat must be at least 1, got {verb.Repeat}"));
        }

        if (verb.MaxInFlight is < MinMaxInFlight)
        {
            throw new UsageException(Invariant($"bench: --max-in-flight must be at least {MinMaxInFlight}, got {verb.MaxInFlight}"));
        }

        if (verb.Timeout is < 1)
        {
            throw new UsageException(Invariant($"bench: --timeout must be at least 1 second, got {verb.Timeout}"));
        }

        var outDir = string.IsNullOrEmpty(verb.Out) ? "bench-" + now.ToLocalTime().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) : verb.Out;
        CheckOutDirectory(outDir);
        return new BenchOptions(
            [.. suites.Distinct(StringComparer.Ordinal)],
            outDir,
            verb.Quick,
            verb.Ranks,
            verb.Repeat ?? 1,
            verb.MaxInFlight ?? DefaultMaxInFlight,
            verb.KeepRuns,
            TimeSpan.FromSeconds(verb.Timeout ?? 1800));
    }

    /// <summary>A bench never mixes its runs and reports with another bench's.</summary>
    private static void CheckOutDirectory(string outDir)
    {
        if (File.Exists(outDir))
        {
            throw new UsageException($"bench: --out '{outDir}' is a file, not a directory");
        }

        if (File.Exists(Path.Combine(outDir, JsonFile)) || Directory.Exists(Path.Combine(outDir, RunsDirectory)))
        {
            throw new UsageException($"bench: output directory '{outDir}' already holds a bench; choose another --out");
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
