namespace Matrix.Hosting;

/// <summary>The streams the host writes to; tests pass their own and no signal handlers are installed.</summary>
public sealed record HostConsole(TextWriter Out, TextWriter Error, bool ErrorIsTerminal, bool HandlesSignals = false)
{
    public static HostConsole System => new(Console.Out, Console.Error, !Console.IsErrorRedirected, HandlesSignals: true);
}
