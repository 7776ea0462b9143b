using System.Globalization;
using System.Text;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Tau2.Sim;

/// <summary>
/// Valid calls of a request's tools: picks a tool (read tools first) and fills its arguments by type, taking string
/// values from the conversation when it has them: the same field in earlier tool results, else an id-like token of
/// the messages of <see cref="TokenRole"/> (and of <see cref="Extra"/>), else the same field in earlier calls'
/// arguments, else a made-up value shaped by the argument's name. This file writes the call's JSON; where a string
/// or number comes from is decided in <c>Tau2ToolCaller.Values.cs</c>, and the candidates are found in
/// <c>Tau2ToolCaller.Sources.cs</c>.
/// </summary>
internal readonly partial struct Tau2ToolCaller(IReadOnlyList<ChatMessage> messages, string tokenRole, ReadOnlyMemory<char> extra)
{
    /// <summary>Probability of writing an optional argument.</summary>
    public const double OptionalProbability = 0.3;

    private const int MaxDepth = 4;

    public IReadOnlyList<ChatMessage> Messages { get; } = messages;

    /// <summary>The role whose messages hold the customer's words (<c>user</c> for the agent, <c>user</c> + the scenario for the customer).</summary>
    public string TokenRole { get; } = tokenRole;

    public ReadOnlyMemory<char> Extra { get; } = extra;

    /// <summary>
    /// A tool of <paramref name="tools"/>: read tools weigh more before <paramref name="callsSoFar"/> reaches two,
    /// transfers weigh little.
    /// </summary>
    public static ToolDefinition PickTool(IReadOnlyList<ToolDefinition> tools, int callsSoFar, ref SimRandom rng)
    {
        var early = callsSoFar < 2;
        var total = 0.0;
        foreach (var t in tools)
        {
            total += Weight(t.Name, early);
        }

        var x = rng.NextDouble() * total;
        foreach (var t in tools)
        {
            x -= Weight(t.Name, early);
            if (x < 0)
            {
                return t;
            }
        }

        return tools[^1];
    }

    private static double Weight(string name, bool early) =>
        Tau2SimPrompt.IsTransferTool(name) ? (early ? 0.05 : 0.1) : Tau2SimPrompt.IsReadTool(name) ? (early ? 4 : 1.5) : (early ? 1 : 1.5);

    /// <summary>A call of <paramref name="tool"/> with every required argument and some optional ones, id from the random stream.</summary>
    public ToolCall Call(ToolDefinition tool, ref SimRandom rng)
    {
        var args = Tau2ToolSchema.Of(tool);
        var sb = SimText.Rent();
        AppendObject(sb, args, ref rng, 0);
        var json = SimText.ToStringAndReturn(sb);
        return new ToolCall("call_" + rng.NextUInt64().ToString("x16", CultureInfo.InvariantCulture), tool.Name, json);
    }

    private void AppendObject(StringBuilder sb, Tau2Arg[] fields, ref SimRandom rng, int depth)
    {
        sb.Append('{');
        var first = true;
        foreach (var f in fields)
        {
            if (!f.Required && !rng.Chance(OptionalProbability))
            {
                continue;
            }

            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            sb.Append(f.JsonKey).Append(':');
            AppendValue(sb, f, ref rng, depth + 1);
        }

        sb.Append('}');
    }

    private void AppendValue(StringBuilder sb, Tau2Arg arg, ref SimRandom rng, int depth)
    {
        if (arg.Enum is { } values)
        {
            sb.Append(rng.Pick(values));
            return;
        }

        switch (arg.Type)
        {
            case Tau2ArgType.Boolean:
                sb.Append(rng.Chance(0.5) ? "true" : "false");
                break;
            case Tau2ArgType.Integer:
            case Tau2ArgType.Number:
                AppendNumber(sb, arg, ref rng);
                break;
            case Tau2ArgType.Array:
                sb.Append('[');
                if (depth < MaxDepth)
                {
                    var count = rng.Chance(0.7) ? 1 : 2;
                    for (var i = 0; i < count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(',');
                        }

                        AppendValue(sb, arg.Items ?? arg, ref rng, depth + 1);
                    }
                }

                sb.Append(']');
                break;
            case Tau2ArgType.Object:
                AppendObject(sb, depth < MaxDepth ? arg.Properties : [], ref rng, depth);
                break;
            default:
                sb.Append('"');
                AppendString(sb, arg, ref rng);
                sb.Append('"');
                break;
        }
    }
}
