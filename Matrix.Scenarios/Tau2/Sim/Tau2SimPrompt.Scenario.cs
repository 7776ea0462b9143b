namespace Matrix.Scenarios.Tau2.Sim;

/// <summary>
/// The user simulator's task in its system prompt: the instructions inside <c>&lt;scenario&gt;</c>, and in them the
/// sections of tau2's structured instructions (reason for call, known info, task instructions).
/// </summary>
internal static partial class Tau2SimPrompt
{
    private const string LineReasonHeading = "\n" + ReasonHeading;
    private const string LineKnownHeading = "\n" + KnownHeading;

    /// <summary>The headings of tau2's structured user instructions (<c>StructuredUserInstructions.__str__</c>).</summary>
    private static readonly string[] Headings =
        ["Domain:\n", ReasonHeading, KnownHeading, "Unknown info:\n", TaskHeading];

    /// <summary>The task's instructions: the text between <c>&lt;scenario&gt;</c> and the persona or <c>&lt;/scenario&gt;</c>.</summary>
    public static Range ScenarioBody(string system)
    {
        var span = system.AsSpan();
        var open = span.IndexOf(ScenarioOpen, StringComparison.Ordinal);
        if (open < 0)
        {
            return 0..0;
        }

        var start = open + ScenarioOpen.Length;
        var close = span.LastIndexOf(ScenarioClose, StringComparison.Ordinal);
        var end = close >= start ? close : span.Length;
        var persona = span[start..end].IndexOf(PersonaHeading, StringComparison.Ordinal);
        return start..(persona >= 0 ? start + persona : end);
    }

    /// <summary>The text of the section under <paramref name="heading"/> (a line of its own), up to the next heading.</summary>
    public static bool TrySection(ReadOnlySpan<char> body, string heading, out Range section)
    {
        var at = 0;
        while (true)
        {
            var i = body[at..].IndexOf(heading, StringComparison.Ordinal);
            if (i < 0)
            {
                section = default;
                return false;
            }

            at += i;
            if (at == 0 || body[at - 1] == '\n')
            {
                break;
            }

            at += heading.Length;
        }

        var start = at + heading.Length;
        var end = start;
        while (end < body.Length)
        {
            var nl = body[end..].IndexOf('\n');
            if (nl < 0)
            {
                end = body.Length;
                break;
            }

            end += nl + 1;
            if (StartsWithHeading(body[end..]))
            {
                end--;
                break;
            }
        }

        section = start..Math.Min(end, body.Length);
        return true;
    }

    /// <summary>Whether the instructions are tau2's headed sections rather than plain text.</summary>
    public static bool IsStructured(ReadOnlySpan<char> body) =>
        StartsWithHeading(body) || body.Contains(LineReasonHeading, StringComparison.Ordinal) || body.Contains(LineKnownHeading, StringComparison.Ordinal);

    private static bool StartsWithHeading(ReadOnlySpan<char> line) => StartsWithAny(line, Headings);
}
