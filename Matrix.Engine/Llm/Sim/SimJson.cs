using System.Globalization;
using System.Text;

namespace Matrix.Engine.Llm.Sim;

/// <summary>JSON text a simulated responder writes into its answers (scores, verdicts, tool arguments).</summary>
public static class SimJson
{
    /// <summary>Appends <paramref name="value"/> as a JSON string literal (quotes, backslashes and control characters escaped).</summary>
    public static StringBuilder AppendJsonString(StringBuilder sb, ReadOnlySpan<char> value) =>
        AppendJsonEscaped(sb.Append('"'), value).Append('"');

    /// <summary>Appends the inside of a JSON string literal for <paramref name="value"/>, without the quotes.</summary>
    public static StringBuilder AppendJsonEscaped(StringBuilder sb, ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case < ' ':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }

        return sb;
    }
}
