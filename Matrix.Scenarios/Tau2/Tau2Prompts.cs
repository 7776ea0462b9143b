namespace Matrix.Scenarios.Tau2;

/// <summary>
/// The prompts of the tau2 scenario, shaped as tau2-bench's (the agent's policy wrapped in instructions; the user
/// simulator's guidelines with the task's scenario), and the markers that end a conversation.
/// </summary>
internal static class Tau2Prompts
{
    /// <summary>The assistant's first message: tau2 (and Matrix) let the user simulator speak first after it.</summary>
    public const string Greeting = "Hi! How can I help you today?";

    public const string Stop = "###STOP###";
    public const string Transfer = "###TRANSFER###";
    public const string OutOfScope = "###OUT-OF-SCOPE###";

    /// <summary>Recognized by the simulated LLM: the assistant's system prompt starts with it.</summary>
    public const string AgentInstruction =
        "You are a customer service agent that helps the user according to the <policy> provided below.\n" +
        "In each turn you can either:\n- Send a message to the user.\n- Make a tool call.\nYou cannot do both at the same time.\n\n" +
        "Try to be helpful and always follow the policy. Always make sure you generate valid JSON only.";

    /// <summary>Recognized by the simulated LLM: the user simulator's system prompt starts with it.</summary>
    public const string UserGuidelines =
        "You are playing the role of a customer contacting a customer service representative. " +
        "Your goal is to simulate realistic customer interactions while following the specific scenario instructions below.\n\n" +
        "Rules:\n" +
        "- Generate one message at a time, as a customer would; reveal information only when it is asked for.\n" +
        "- Do not make up information that the scenario does not give you; say you do not know instead.\n" +
        "- Stay in your role: you are the customer, not the agent.\n" +
        "- When the scenario's goal is reached, write '###STOP###' to end the conversation.\n" +
        "- If you are transferred to another agent, write '###TRANSFER###'.\n" +
        "- If the scenario does not give you enough information to continue, write '###OUT-OF-SCOPE###'.";

    /// <summary>Recognized by the simulated LLM: the NL-assertion judge's system prompt starts with it.</summary>
    public const string JudgeInstruction =
        "You are an evaluator of customer service conversations. Given the conversation between a customer service agent " +
        "and a user, and a list of expected outcomes, decide for each expected outcome whether the agent's behaviour met it.\n\n" +
        "Answer with JSON only, in this format:\n" +
        "{\"results\": [{\"expectedOutcome\": \"<the outcome as given>\", \"reasoning\": \"<one sentence>\", \"metExpectation\": true}]}";

    public static string JudgeUser(string transcript, IReadOnlyList<string> assertions) =>
        $"<conversation>\n{transcript}\n</conversation>\n\n<expectedOutcomes>\n{string.Join('\n', assertions.Select(a => "- " + a))}\n</expectedOutcomes>";

    public static string AgentSystem(string policy) =>
        $"<instructions>\n{AgentInstruction}\n</instructions>\n<policy>\n{policy}\n</policy>";

    public static string UserSystem(string instructions, string? persona, bool hasTools)
    {
        var persona2 = string.IsNullOrWhiteSpace(persona) ? string.Empty : $"\n\nPersona:\n{persona}";
        var tools = hasTools ? "\n\nYou have tools of your own (your phone, your inbox); use them when the scenario says so." : string.Empty;
        return $"{UserGuidelines}{tools}\n\n<scenario>\n{instructions}{persona2}\n</scenario>";
    }

    /// <summary>Whether a user message ends the conversation, and with which termination reason.</summary>
    public static string? Termination(string? userText)
    {
        if (userText is null)
        {
            return null;
        }

        if (userText.Contains(Stop, StringComparison.Ordinal) || userText.Contains(Transfer, StringComparison.Ordinal) || userText.Contains(OutOfScope, StringComparison.Ordinal))
        {
            return "user_stop";
        }

        return null;
    }
}
