using System.Collections.Frozen;

namespace Matrix.Scenarios.Nr;

/// <summary>
/// A cheap stand-in for fastText's English probability, for rows that carry no language score: the share of
/// letters that are ASCII, times how close the share of English function words comes to what English prose has.
/// English text scores near 1; German, French, Spanish and the like near 0.1-0.3 (few of their common words are
/// in the list); Chinese, Russian or Japanese near 0. Menus of links score low too, as they would with fastText.
/// Reads at most the first <see cref="MaxChars"/> characters; allocates nothing.
/// </summary>
internal static class NrEnglish
{
    public const int MaxChars = 4096;

    /// <summary>The share of function words at and above which text counts as fully English (prose has 0.3-0.45).</summary>
    public const double FullShare = 0.2;

    private const int MaxWord = 16;

    // English function words that are rare as words of other Latin-script languages: "a", "in", "on", "is",
    // "an", "so", "was", "also" and "no" are left out on purpose (Spanish, German, French, Dutch, Italian use them).
    private static readonly FrozenSet<string> StopWords = new[]
    {
        "the", "of", "and", "to", "that", "for", "it", "with", "as", "be", "by", "this", "are", "or", "from", "at",
        "which", "not", "have", "has", "had", "we", "you", "they", "he", "she", "his", "her", "their", "its", "can",
        "would", "should", "could", "there", "these", "those", "been", "were", "if", "when", "what", "how", "than",
        "then", "into", "more", "all", "any", "each", "other", "some", "such", "only", "our", "your", "them", "who",
        "but", "about", "after", "because", "while", "where", "why", "do", "does", "did", "may", "must", "between",
        "through", "over", "under", "up", "out", "just", "like", "get", "it's", "don't", "here", "very", "same",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> Lookup = StopWords.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The heuristic English score of <paramref name="text"/>, in [0, 1].</summary>
    public static double Score(string? text)
    {
        var span = (text ?? string.Empty).AsSpan();
        if (span.Length > MaxChars)
        {
            span = span[..MaxChars];
        }

        Span<char> word = stackalloc char[MaxWord];
        int letters = 0, ascii = 0, words = 0, stop = 0, length = 0;
        var tooLong = false;
        for (var i = 0; i <= span.Length; i++)
        {
            var c = i < span.Length ? span[i] : ' ';
            if (char.IsAsciiLetter(c) || (c == '\'' && length > 0))
            {
                if (c != '\'')
                {
                    letters++;
                    ascii++;
                }

                if (length < MaxWord)
                {
                    word[length] = char.ToLowerInvariant(c);
                }
                else
                {
                    tooLong = true;
                }

                length++;
                continue;
            }

            if (char.IsLetter(c))
            {
                // A non-ASCII letter (ü, é, 中) ends an ASCII word and counts against English.
                letters++;
            }

            if (length > 0)
            {
                words++;
                if (!tooLong && Lookup.Contains(word[..length]))
                {
                    stop++;
                }
            }

            length = 0;
            tooLong = false;
        }

        if (letters == 0 || words == 0)
        {
            return 0;
        }

        var asciiShare = (double)ascii / letters;
        var stopShare = (double)stop / words;
        return asciiShare * Math.Min(1, stopShare / FullShare);
    }
}
