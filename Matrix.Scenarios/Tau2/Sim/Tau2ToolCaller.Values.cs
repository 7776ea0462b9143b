using System.Text;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Tau2.Sim;

/// <summary>
/// Where a tool call's scalar values come from: numbers from the same field of the conversation's JSON or made up,
/// strings from the sources in a fixed order of preference (see <see cref="AppendString"/>).
/// </summary>
internal readonly partial struct Tau2ToolCaller
{
    /// <summary>Probability of taking a string from a same-named field of the conversation's JSON when there is one.</summary>
    public const double FieldProbability = 0.95;

    /// <summary>Probability of taking an id-like token of the customer's words when there is a fitting one.</summary>
    public const double TokenProbability = 0.9;

    private void AppendNumber(StringBuilder sb, Tau2Arg arg, ref SimRandom rng)
    {
        var inCalls = false;
        var found = Fields(arg.JsonKey, wantString: false, inCalls, -1, out _, out _, out _);
        if (found == 0)
        {
            inCalls = true;
            found = Fields(arg.JsonKey, wantString: false, inCalls, -1, out _, out _, out _);
        }

        if (found > 0 && rng.Chance(0.7)
            && Fields(arg.JsonKey, wantString: false, inCalls, rng.Next(found), out var source, out var start, out var length) > 0
            && (arg.Type == Tau2ArgType.Number || IsInteger(source.AsSpan(start, length))))
        {
            sb.Append(source.AsSpan(start, length));
            return;
        }

        sb.Append(arg.Type == Tau2ArgType.Integer ? 1 + rng.Next(5) : 5 + rng.Next(500));
        if (arg.Type == Tau2ArgType.Number && rng.Chance(0.5))
        {
            sb.Append('.').Append(rng.Next(10));
        }
    }

    private static bool IsInteger(ReadOnlySpan<char> literal) => !literal.ContainsAny('.', 'e', 'E');

    /// <summary>
    /// A string value, from (in this order) the same field in tool results (or a shorter id suffix of it), an
    /// id-like token of the customer's words (for an id name; else only one that starts with the name's stem), the
    /// same field in earlier calls' arguments, or made up. Tool results before earlier arguments, so that a made-up
    /// value does not keep coming back.
    /// </summary>
    private void AppendString(StringBuilder sb, Tau2Arg arg, ref SimRandom rng)
    {
        var key = arg.JsonKey;
        var found = Fields(key, wantString: true, inCalls: false, -1, out _, out _, out _);
        for (var i = 0; found == 0 && i < arg.AlternateKeys.Length; i++)
        {
            key = arg.AlternateKeys[i];
            found = Fields(key, wantString: true, inCalls: false, -1, out _, out _, out _);
        }

        if (found > 0 && rng.Chance(FieldProbability))
        {
            Fields(key, wantString: true, inCalls: false, rng.Next(found), out var source, out var start, out var length);
            sb.Append(source.AsSpan(start, length)); // raw JSON string content: already escaped
            return;
        }

        var stem = arg.Stem;
        var preferred = Tokens(stem, -1, out _, out _, out _);
        var all = arg.IsIdName ? Tokens(null, -1, out _, out _, out _) : preferred;
        if (all > 0 && rng.Chance(TokenProbability))
        {
            var usePreferred = preferred > 0 && (!arg.IsIdName || rng.Chance(0.85));
            Tokens(usePreferred ? stem : null, rng.Next(usePreferred ? preferred : all), out var text, out var start, out var length);
            sb.Append(text.Span.Slice(start, length)); // letters, digits, _ # -: nothing to escape
            return;
        }

        found = Fields(arg.JsonKey, wantString: true, inCalls: true, -1, out _, out _, out _);
        if (found > 0 && rng.Chance(0.8))
        {
            Fields(arg.JsonKey, wantString: true, inCalls: true, rng.Next(found), out var source, out var start, out var length);
            sb.Append(source.AsSpan(start, length));
            return;
        }

        Tau2SimPrompt.AppendMadeUpString(sb, arg.Name, stem, ref rng);
    }
}
