using Matrix.Engine.Scenarios;

namespace Matrix.Hosting;

/// <summary>The host entry point: a scenario executable's whole Program.cs is one call to <see cref="RunAsync"/>.</summary>
public static class MatrixHost
{
    public static Task<int> RunAsync(string[] args, IReadOnlyList<Scenario> scenarios, HostConsole? console = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(scenarios);
        _ = console;
        _ = cancellationToken;
        return Task.FromResult(0);
    }
}

/// <summary>The streams the host writes to; tests pass their own.</summary>
public sealed record HostConsole(TextWriter Out, TextWriter Error, bool ErrorIsTerminal)
{
    public static HostConsole System => new(Console.Out, Console.Error, !Console.IsErrorRedirected);
}
