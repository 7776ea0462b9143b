using CommandLine;

namespace Matrix.Hosting.Cli;

/// <summary><c>matrix inspect DIR</c>.</summary>
[Verb("inspect", HelpText = "Summarize an output directory: counts by status and reason, tokens, schema, sample rows.")]
internal sealed class InspectVerb
{
    [Value(0, MetaName = "dir", Required = true, HelpText = "The output directory of a run.")]
    public string Directory { get; set; } = string.Empty;
}
