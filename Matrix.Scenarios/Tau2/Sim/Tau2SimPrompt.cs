using Matrix.Engine.Llm;

namespace Matrix.Scenarios.Tau2.Sim;

/// <summary>
/// What the tau2 responders share about the prompts: the leading phrases of the scenario's three system prompts
/// (which tell the responders apart), the markers that end a conversation, the scenario's markers and headings, and
/// which tools only read. The scenario's sections are found in <c>Tau2SimPrompt.Scenario.cs</c>, the phrase banks
/// are in <c>Tau2SimPrompt.Phrases.cs</c>; JSON and text scans are <see cref="Tau2JsonScan"/> and
/// <see cref="Tau2TextScan"/>.
/// </summary>
internal static partial class Tau2SimPrompt
{
    public const string AssistantPrefix =
        "<instructions>\nYou are a customer service agent that helps the user according to the <policy> provided below.";

    public const string UserPrefix = "You are playing the role of a customer contacting a customer service representative.";

    public const string JudgePrefix = "You are an evaluator of customer service conversations.";

    public const string Stop = "###STOP###";
    public const string Transfer = "###TRANSFER###";

    public const string ScenarioOpen = "<scenario>\n";
    public const string ScenarioClose = "\n</scenario>";
    public const string PersonaHeading = "\n\nPersona:\n";

    public const string ReasonHeading = "Reason for call:\n";
    public const string KnownHeading = "Known info:\n";
    public const string TaskHeading = "Task instructions:\n";

    private static readonly string[] ReadPrefixes = ["get_", "find_", "search_", "check_", "list_"];

    /// <summary>The content of the first system message, or null.</summary>
    public static string? FirstSystem(LlmRequest r)
    {
        foreach (var m in r.Messages)
        {
            if (m is { Role: "system" })
            {
                return m.Content;
            }
        }

        return null;
    }

    /// <summary>Whether the first system message starts (after white space) with <paramref name="prefix"/>.</summary>
    public static bool SystemStartsWith(LlmRequest r, string prefix) =>
        FirstSystem(r) is { } s && s.AsSpan().TrimStart().StartsWith(prefix, StringComparison.Ordinal);

    /// <summary>Tools whose name says they only read: tau2 agents look things up before they change them.</summary>
    public static bool IsReadTool(string name) => StartsWithAny(name, ReadPrefixes);

    public static bool IsTransferTool(string name) => name.StartsWith("transfer_", StringComparison.Ordinal);

    /// <summary>Whether <paramref name="text"/> starts with one of <paramref name="prefixes"/>, compared ordinally.</summary>
    private static bool StartsWithAny(ReadOnlySpan<char> text, string[] prefixes)
    {
        foreach (var p in prefixes)
        {
            if (text.StartsWith(p, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
