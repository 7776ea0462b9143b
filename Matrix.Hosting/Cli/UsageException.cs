namespace Matrix.Hosting.Cli;

/// <summary>A mistake on the command line or in the input: one line to stderr and exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
