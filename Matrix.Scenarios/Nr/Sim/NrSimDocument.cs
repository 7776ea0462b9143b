using System.Buffers;
using System.Text;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Scenarios.Nr.Sim;

/// <summary>
/// What the simulated nr models read from a web document (the last user message of the three nr prompts):
/// a rough quality signal, so that reasoning-heavy text passes the classifier and the rubric more often than
/// ads and boilerplate, and the bits the question writer quotes. Allocation-free scans; one pass per call.
/// </summary>
internal static class NrSimDocument
{
    // Words a worked problem or a technical explanation uses; each one found raises the quality.
    private static readonly string[] Reasoning =
    [
        "because", "therefore", "equation", "calculate", "compute", "formula", "hence", "thus", "since",
        "which gives", "proof", "derive", "solve", "probability", "energy", "result", "so the", " = ",
    ];

    // Marks of ads, navigation and chatter; two or more of them sink the quality.
    private static readonly string[] Spam =
    [
        "click", "buy ", "free shipping", "subscribe", "all rights reserved", "coupon", " lol", "login", "sale", "!!",
    ];

    // One vectorized multi-word search per list instead of a case-insensitive scan per word: these run on
    // every nr request of the simulated LLM, so they must stay in the low microseconds.
    private static readonly SearchValues<string> ReasoningSearch = SearchValues.Create(Reasoning, StringComparison.OrdinalIgnoreCase);
    private static readonly SearchValues<string> SpamSearch = SearchValues.Create(Spam, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A quality signal in [0, 1]: reasoning words found (three saturate), a bonus for numbers, cut for short
    /// text, many spam marks or a menu of <c>|</c>-separated links.
    /// </summary>
    public static double Quality(string? document)
    {
        if (document is null || document.Length < 120)
        {
            return 0.02;
        }

        var text = document.AsSpan(0, Math.Min(document.Length, 8192));
        var quality = Math.Min(1.0, DistinctWords(text, Reasoning, ReasoningSearch, 3) / 3.0);
        if (HasDigits(text, 3))
        {
            quality = Math.Min(1.0, quality + 0.15);
        }

        if (text.Length < 300)
        {
            quality *= 0.4;
        }

        if (DistinctWords(text, Spam, SpamSearch, 2) >= 2 || text.Count('|') >= 4)
        {
            quality *= 0.2;
        }

        return quality;
    }

    /// <summary>How many different <paramref name="words"/> occur in <paramref name="text"/> (any case), counting up to <paramref name="enough"/>.</summary>
    private static int DistinctWords(ReadOnlySpan<char> text, string[] words, SearchValues<string> search, int enough)
    {
        var found = 0u;
        var count = 0;
        for (var at = 0; count < enough && at < text.Length;)
        {
            var i = text[at..].IndexOfAny(search);
            if (i < 0)
            {
                break;
            }

            at += i;
            for (var w = 0; w < words.Length; w++)
            {
                if ((found & (1u << w)) == 0 && text[at..].StartsWith(words[w], StringComparison.OrdinalIgnoreCase))
                {
                    found |= 1u << w;
                    count++;
                }
            }

            at++;
        }

        return count;
    }

    private static bool HasDigits(ReadOnlySpan<char> text, int count)
    {
        for (var at = 0; count > 0; count--)
        {
            var i = text[at..].IndexOfAnyInRange('0', '9');
            if (i < 0)
            {
                return false;
            }

            at += i + 1;
        }

        return true;
    }

    /// <summary>
    /// The document's first sentence of some substance (a heading like "Worked example." is skipped) with its
    /// final stop, or its first <paramref name="max"/> characters cut at a word.
    /// </summary>
    public static ReadOnlySpan<char> FirstSentence(string document, int max)
    {
        const int MinLength = 30;
        var text = document.AsSpan().Trim();
        var end = text.IndexOfAny('.', '?', '!');
        while (end >= 0 && end < MinLength && end + 1 < text.Length)
        {
            text = text[(end + 1)..].TrimStart();
            end = text.IndexOfAny('.', '?', '!');
        }

        var sentence = end < 0 ? text : text[..(end + 1)];
        if (sentence.Length > max)
        {
            sentence = sentence[..max];
            var space = sentence.LastIndexOf(' ');
            if (space > max / 2)
            {
                sentence = sentence[..space];
            }
        }

        return sentence.Trim();
    }

    /// <summary>The last whole number or decimal in the document (what a worked example usually ends on); empty when there is none.</summary>
    public static ReadOnlySpan<char> LastNumber(string document)
    {
        var text = document.AsSpan();
        var end = text.Length - 1;
        while (end >= 0 && !char.IsAsciiDigit(text[end]))
        {
            end--;
        }

        if (end < 0)
        {
            return [];
        }

        var start = end;
        while (start > 0 && (char.IsAsciiDigit(text[start - 1]) || (text[start - 1] == '.' && start > 1 && char.IsAsciiDigit(text[start - 2]))))
        {
            start--;
        }

        return text[start..(end + 1)];
    }

    /// <summary>How a reply wraps its JSON: a fenced block with prose around it, the bare object, or the object between sentences.</summary>
    public enum Framing
    {
        Fenced,
        Bare,
        Prose,
    }

    /// <summary>Half fenced (what the prompts ask for), three in ten bare, the rest bare inside prose.</summary>
    public static Framing PickFraming(ref SimRandom rng)
    {
        var r = rng.NextDouble();
        return r < 0.5 ? Framing.Fenced : r < 0.8 ? Framing.Bare : Framing.Prose;
    }

    /// <summary>Text before the JSON for <paramref name="framing"/>.</summary>
    public static void AppendOpening(StringBuilder sb, Framing framing, string lead)
    {
        switch (framing)
        {
            case Framing.Fenced:
                sb.Append(lead).Append("\n\n```json\n");
                break;
            case Framing.Prose:
                sb.Append(lead).Append(' ');
                break;
        }
    }

    /// <summary>Text after the JSON for <paramref name="framing"/>.</summary>
    public static void AppendClosing(StringBuilder sb, Framing framing, string tail)
    {
        switch (framing)
        {
            case Framing.Fenced:
                sb.Append("\n```\n\n").Append(tail);
                break;
            case Framing.Prose:
                sb.Append("\n\n").Append(tail);
                break;
        }
    }
}
