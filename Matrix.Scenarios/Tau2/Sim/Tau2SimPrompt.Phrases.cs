using System.Text;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Tau2.Sim;

/// <summary>
/// The phrase banks of the agent, the customer and the judge, and the made-up values of tool arguments the
/// conversation gives nothing for. No phrase contains a parenthesis, a quote or a backslash, so prose can go into
/// JSON strings unescaped and never looks like an answer letter.
/// </summary>
internal static partial class Tau2SimPrompt
{
    public static readonly string[] AgentClosings =
    [
        "Is there anything else I can help you with?", "Would you like me to go ahead with that?",
        "Please confirm that you want me to proceed.", "Let me know how you would like to continue.",
        "Does that answer your question?", "Shall I make this change for you?",
    ];

    public static readonly string[] AgentQuestions =
    [
        "Could you please share your user id so that I can look up your account?",
        "Could you tell me the order or task id this is about?",
        "To get started, may I have your name and zip code?",
        "Which item or reservation would you like me to look at?",
    ];

    public const string TransferSentence = "I am transferring you to a human agent now, please hold on.";

    public static readonly string[] CustomerOpeners = ["Hi!", "Hello,", "Hi there.", "Good morning.", string.Empty, string.Empty];

    public static readonly string[] CustomerPhrases =
    [
        "Can you help me with that?", "Thanks for checking.", "Yes, that is right.", "I would appreciate a quick answer.",
        "Please let me know what you find.", "That is all the information I have.", "Okay, go ahead.",
        "I am not sure about the rest.", "Is that possible?", "Thank you.",
    ];

    public static readonly string[] CustomerClosings =
    [
        "Great, thank you for your help.", "Thanks, that is all I needed.", "Perfect, that solves it.", "Okay, thanks. Bye.",
        string.Empty,
    ];

    public static readonly string[] MetReasons =
    [
        "The agent did this explicitly in the conversation.", "The transcript shows the agent confirming it to the user.",
        "The agent's tool calls and final message cover this outcome.", "The user received exactly this from the agent.",
    ];

    public static readonly string[] UnmetReasons =
    [
        "The conversation shows no sign that the agent did this.", "The agent stopped before getting to this point.",
        "The agent said something different from what is expected.", "Nothing in the transcript confirms this outcome.",
    ];

    // ---------------------------------------------------------------- made-up values

    private static readonly string[] FirstNames = ["Alex", "Sam", "Maria", "Yusuf", "Lena", "Omar", "Chen", "Ava"];

    private static readonly string[] Phrases =
    [
        "the user wants help with the request", "update as discussed with the user", "standard", "customer request",
        "follow up on the open issue", "details confirmed by the user",
    ];

    /// <summary>A value for a string argument the conversation gives nothing for, shaped by the argument's name.</summary>
    public static void AppendMadeUpString(StringBuilder sb, string name, string stem, ref SimRandom rng)
    {
        var n = name.AsSpan();
        if (n.EndsWith("id", StringComparison.OrdinalIgnoreCase) || n.EndsWith("ids", StringComparison.OrdinalIgnoreCase))
        {
            sb.Append(stem.Length > 0 ? stem : "id").Append('_').Append(1 + rng.Next(9));
        }
        else if (n.Contains("name", StringComparison.OrdinalIgnoreCase))
        {
            sb.Append(rng.Pick(FirstNames));
        }
        else if (n.Contains("email", StringComparison.OrdinalIgnoreCase))
        {
            sb.Append(rng.Pick(FirstNames).ToLowerInvariant()).Append("@example.com");
        }
        else if (n.Contains("date", StringComparison.OrdinalIgnoreCase) || n.Equals("dob", StringComparison.OrdinalIgnoreCase))
        {
            sb.Append("2024-0").Append(1 + rng.Next(9)).Append('-').Append(10 + rng.Next(18));
        }
        else
        {
            sb.Append(rng.Pick(Phrases));
        }
    }
}
