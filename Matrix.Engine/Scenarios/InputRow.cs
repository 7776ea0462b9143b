namespace Matrix.Engine.Scenarios;

/// <summary>
/// One input row as a scenario's loader produced it. A row that could not be parsed carries
/// <see cref="Error"/> (with the file and line) and no payload: the engine ends its task as failed and
/// the run goes on.
/// </summary>
/// <param name="Id">The row's own id, or its index when it has none.</param>
/// <param name="Index">0-based position in the input.</param>
/// <param name="Payload">The parsed row.</param>
/// <param name="Error">Why the row could not be parsed.</param>
public sealed record InputRow(string Id, long Index, object? Payload, string? Error = null)
{
    public static InputRow Malformed(long index, string error) => new(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"malformed-row-{index}"), index, null, error);
}

/// <summary>Where a run's input comes from: a file (<c>--input</c>) or, when null, the scenario's built-in sample.</summary>
/// <param name="Path">The input file or folder; null for the built-in sample data.</param>
/// <param name="Limit">At most this many rows (<c>--tasks</c>); null for all.</param>
public sealed record InputSource(string? Path, long? Limit);

/// <summary>A user mistake in the input that stops the run before it starts (missing file, unreadable folder).</summary>
public sealed class InputException : Exception
{
    public InputException(string message)
        : base(message)
    {
    }

    public InputException()
    {
    }

    public InputException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
