using Matrix.Hosting.Cli;
using Matrix.Store.Arrow.Read;

namespace Matrix.Hosting.Commands;

/// <summary><c>matrix inspect DIR</c>: the Store's inspector reads the output directory and writes the summary.</summary>
internal static class InspectCommand
{
    /// <summary>Synchronous: the inspector reads the parts with blocking I/O and takes no cancellation.</summary>
    public static int Execute(InspectVerb verb, HostConsole console) =>
        OutputInspector.Inspect(verb.Directory, console.Out, console.Error);
}
