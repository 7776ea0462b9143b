namespace Matrix.Hosting.Cli;

/// <summary>The process exit codes: 0 done, 2 a usage, configuration or input mistake, 1 a run-time failure, 130 interrupted (README, Commands).</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The run failed at run time (output could not be written, an internal error).</summary>
    public const int RuntimeFailure = 1;

    /// <summary>Bad usage, configuration or input.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (Ctrl+C) after in-flight tasks were written.</summary>
    public const int Interrupted = 130;
}
