using CommandLine;

namespace Matrix.Hosting.Cli;

/// <summary><c>matrix ranks</c>: checks a launch (srun, mpiexec) by having every rank report in.</summary>
[Verb("ranks", HelpText = "Check a multi-rank launch: every rank reports its host and pid through MPI; rank 0 prints them.")]
internal sealed class RanksVerb
{
}
