using System.Text;

namespace Matrix.Engine.Llm.Sim;

/// <summary>
/// What the tau2 responders share: the leading phrases of the scenario's three system prompts, the markers that end
/// a conversation, allocation-free scans of JSON tool results, id-like tokens, sentences and scenario sections, and
/// the phrase banks of the agent, the customer and the judge. No phrase contains a parenthesis, a quote or a
/// backslash, so prose can go into JSON strings unescaped and never looks like an answer letter.
/// </summary>
internal static class Tau2SimPrompt
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

    private const string LineReasonHeading = "\n" + ReasonHeading;
    private const string LineKnownHeading = "\n" + KnownHeading;

    /// <summary>The headings of tau2's structured user instructions (<c>StructuredUserInstructions.__str__</c>).</summary>
    private static readonly string[] Headings =
        ["Domain:\n", ReasonHeading, KnownHeading, "Unknown info:\n", TaskHeading];

    private static readonly string[] ReadPrefixes = ["get_", "find_", "search_", "check_", "list_"];

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

    private static readonly string[] FirstNames = ["Alex", "Sam", "Maria", "Yusuf", "Lena", "Omar", "Chen", "Ava"];

    private static readonly string[] Phrases =
    [
        "the user wants help with the request", "update as discussed with the user", "standard", "customer request",
        "follow up on the open issue", "details confirmed by the user",
    ];

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
    public static bool IsReadTool(string name)
    {
        foreach (var p in ReadPrefixes)
        {
            if (name.StartsWith(p, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsTransferTool(string name) => name.StartsWith("transfer_", StringComparison.Ordinal);

    // ---------------------------------------------------------------- JSON scans

    /// <summary>
    /// The index of the quote that closes the JSON string whose content starts at <paramref name="start"/>
    /// (honouring backslash escapes), or -1.
    /// </summary>
    public static int StringEnd(ReadOnlySpan<char> text, int start)
    {
        for (var i = start; i < text.Length;)
        {
            var j = text[i..].IndexOfAny('"', '\\');
            if (j < 0)
            {
                return -1;
            }

            i += j;
            if (text[i] == '"')
            {
                return i;
            }

            i += 2;
        }

        return -1;
    }

    /// <summary>
    /// The next value of the field <paramref name="quotedKey"/> (the key in quotes, e.g. <c>"user_id"</c>) in JSON
    /// text at or after <paramref name="pos"/>: a string (its raw content, still escaped, so it can be copied into
    /// JSON as is) or a number. Advances <paramref name="pos"/> past it.
    /// </summary>
    public static bool NextField(ReadOnlySpan<char> text, ReadOnlySpan<char> quotedKey, ref int pos, out int start, out int length, out bool isString)
    {
        while (pos < text.Length)
        {
            var i = text[pos..].IndexOf(quotedKey, StringComparison.Ordinal);
            if (i < 0)
            {
                break;
            }

            var at = SkipSpaces(text, pos + i + quotedKey.Length);
            pos += i + quotedKey.Length;
            if (at >= text.Length || text[at] != ':')
            {
                continue;
            }

            at = SkipSpaces(text, at + 1);
            if (at < text.Length && text[at] == '"')
            {
                var end = StringEnd(text, at + 1);
                if (end < 0)
                {
                    break;
                }

                (start, length, isString, pos) = (at + 1, end - at - 1, true, end + 1);
                return true;
            }

            var n = at;
            while (n < text.Length && (char.IsAsciiDigit(text[n]) || text[n] is '-' or '.' or 'e' or 'E' or '+'))
            {
                n++;
            }

            if (n > at && char.IsAsciiDigit(text[n - 1]))
            {
                (start, length, isString, pos) = (at, n - at, false, n);
                return true;
            }
        }

        (start, length, isString) = (0, 0, false);
        return false;
    }

    /// <summary>
    /// The next <c>"key": "value"</c> pair with a plain identifier key at or after <paramref name="pos"/>:
    /// the key's and the value's raw text.
    /// </summary>
    public static bool NextStringPair(ReadOnlySpan<char> text, ref int pos, out Range key, out Range value)
    {
        while (pos < text.Length)
        {
            var i = text[pos..].IndexOf(':');
            if (i < 0)
            {
                break;
            }

            var colon = pos + i;
            pos = colon + 1;
            var keyEnd = colon - 1;
            while (keyEnd >= 0 && text[keyEnd] == ' ')
            {
                keyEnd--;
            }

            if (keyEnd < 1 || text[keyEnd] != '"')
            {
                continue;
            }

            var keyStart = keyEnd - 1;
            while (keyStart >= 0 && (char.IsAsciiLetterOrDigit(text[keyStart]) || text[keyStart] == '_'))
            {
                keyStart--;
            }

            var at = SkipSpaces(text, colon + 1);
            if (keyStart < 0 || text[keyStart] != '"' || keyStart + 1 == keyEnd || at >= text.Length || text[at] != '"')
            {
                continue;
            }

            var end = StringEnd(text, at + 1);
            if (end < 0)
            {
                break;
            }

            pos = end + 1;
            if (end == at + 1)
            {
                continue; // an empty value says nothing
            }

            key = (keyStart + 1)..keyEnd;
            value = (at + 1)..end;
            return true;
        }

        key = value = default;
        return false;
    }

    // ---------------------------------------------------------------- id-like tokens

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '#' or '-';

    /// <summary>The next run of letters, digits, <c>_ # -</c> at or after <paramref name="pos"/> that looks like an id.</summary>
    public static bool NextIdToken(ReadOnlySpan<char> text, ref int pos, out int start, out int length)
    {
        while (pos < text.Length)
        {
            while (pos < text.Length && !IsTokenChar(text[pos]))
            {
                pos++;
            }

            var s = pos;
            while (pos < text.Length && IsTokenChar(text[pos]))
            {
                pos++;
            }

            var e = pos;
            while (e > s && text[e - 1] is '-' or '#')
            {
                e--;
            }

            if (IsIdLike(text[s..e]))
            {
                (start, length) = (s, e - s);
                return true;
            }
        }

        (start, length) = (0, 0);
        return false;
    }

    /// <summary>
    /// <c>#W1234567</c>, <c>user_1</c>, <c>task_2</c>, <c>12345</c>: digits with a letter, <c>#</c> or
    /// <c>_</c> (or five of them), or an underscore between letters; never a JSON key-like lone word.
    /// </summary>
    public static bool IsIdLike(ReadOnlySpan<char> token)
    {
        if (token.Length < 2 || token.Length > 64)
        {
            return false;
        }

        int digits = 0, letters = 0, marks = 0;
        foreach (var c in token)
        {
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if (char.IsAsciiLetter(c))
            {
                letters++;
            }
            else if (c is '_' or '#')
            {
                marks++;
            }
        }

        return digits > 0 ? letters + marks > 0 || digits >= 5 : marks > 0 && letters > 0 && token[0] != '_' && token[^1] != '_';
    }

    /// <summary>Whether <paramref name="token"/> (past a leading <c>#</c>) starts with <paramref name="stem"/>, ignoring case.</summary>
    public static bool HasStem(ReadOnlySpan<char> token, string stem) =>
        stem.Length >= 2 && token.TrimStart('#').StartsWith(stem, StringComparison.OrdinalIgnoreCase);

    // ---------------------------------------------------------------- sentences and sections

    /// <summary>
    /// The next sentence of <paramref name="text"/> at or after <paramref name="pos"/>: up to and including
    /// <c>. ! ?</c> followed by white space, or up to the end of the line; list bullets and blank lines skipped.
    /// </summary>
    public static bool NextSentence(ReadOnlySpan<char> text, ref int pos, out int start, out int length)
    {
        while (pos < text.Length)
        {
            while (pos < text.Length && (char.IsWhiteSpace(text[pos]) || text[pos] is '-' or '*'))
            {
                pos++;
            }

            var s = pos;
            while (pos < text.Length && text[pos] != '\n')
            {
                var c = text[pos++];
                if (c is '.' or '!' or '?' && (pos == text.Length || char.IsWhiteSpace(text[pos])))
                {
                    break;
                }
            }

            var sentence = text[s..pos].TrimEnd();
            if (sentence.Length >= 3 && sentence[^1] != ':')
            {
                (start, length) = (s, sentence.Length);
                return true;
            }
        }

        (start, length) = (0, 0);
        return false;
    }

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

    private static bool StartsWithHeading(ReadOnlySpan<char> line)
    {
        foreach (var h in Headings)
        {
            if (line.StartsWith(h, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static int SkipSpaces(ReadOnlySpan<char> text, int at)
    {
        while (at < text.Length && text[at] is ' ' or '\n' or '\r' or '\t')
        {
            at++;
        }

        return at;
    }

    // ---------------------------------------------------------------- made-up values

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
