using System.Globalization;

namespace Matrix.Scenarios.Nr;

/// <summary>
/// nr's built-in sample: web documents generated in code, so that <c>matrix run nr</c> works with nothing
/// else. Row <c>i</c> is a pure function of <c>i</c>. About 38 % are English worked problems and technical
/// explanations (physics, finance, chemistry, series, algorithms, probability, circuits, growth), 42 % English
/// junk (ads, navigation menus, short fragments, chatter, product copy, gossip), 20 % other languages (German,
/// French, Spanish, Russian, Chinese, Japanese; worked problems and ads). The numbers in a text vary with
/// <c>i</c>. Two rows in five carry a DCLM-style English score, as a real shard would; the others leave it
/// to the filter's heuristic. Ids are <c>sample-000000</c>, <c>sample-000001</c>, … (more digits past a million).
/// </summary>
internal static class NrSampleData
{
    public const double EnglishShare = 0.38;
    public const double JunkShare = 0.42;
    public const double ScoredShare = 0.4;

    private static readonly string[] Sites = ["physics-notes.org", "learn-math.net", "example-shop.com", "daily-blog.io", "wiki-mirror.info", "news-site.example"];

    public static string IdOf(long index) => "sample-" + index.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>The sample's first <paramref name="count"/> rows, generated as they are read.</summary>
    public static IEnumerable<(string Id, long Index, NrDocument Document)> Rows(long count, CancellationToken cancellationToken = default)
    {
        for (long i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return (IdOf(i), i, Generate(i));
        }
    }

    /// <summary>What row <paramref name="index"/> was generated as (tests compare the pipeline's verdicts with it).</summary>
    public static NrSampleKind KindOf(long index) => Start(index, out _);

    /// <summary>Row <paramref name="index"/> of the sample.</summary>
    public static NrDocument Generate(long index)
    {
        var kind = Start(index, out var rng);
        var (text, score) = kind switch
        {
            NrSampleKind.EnglishReasoning => (NrSampleTexts.Reasoning(index, ref rng), 0.9 + (rng.NextDouble() * 0.09)),
            NrSampleKind.EnglishJunk => NrSampleTexts.Junk(index, ref rng),
            _ => (NrSampleTexts.OtherLanguage(index, ref rng), rng.NextDouble() * 0.05),
        };
        double? english = rng.NextDouble() < ScoredShare ? Math.Round(score, 4) : null;
        var url = string.Create(CultureInfo.InvariantCulture, $"https://{Sites[rng.Below(Sites.Length)]}/{kind.ToString().ToLowerInvariant()}/{index}");
        return new NrDocument(text, url, english);
    }

    private static NrSampleKind Start(long index, out NrSampleRandom rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        rng = new NrSampleRandom(0x6E72_5341_4D50UL ^ (ulong)index);
        var u = rng.NextDouble();
        return u < EnglishShare ? NrSampleKind.EnglishReasoning : u < EnglishShare + JunkShare ? NrSampleKind.EnglishJunk : NrSampleKind.OtherLanguage;
    }
}

/// <summary>What a sample row was generated as.</summary>
internal enum NrSampleKind
{
    EnglishReasoning,
    EnglishJunk,
    OtherLanguage,
}

/// <summary>SplitMix64: a tiny deterministic generator, one per row (never <see cref="Random"/>, whose algorithm may change).</summary>
internal struct NrSampleRandom(ulong seed)
{
    private ulong _state = seed;

    public int Below(int bound) => (int)(Next() % (ulong)bound);

    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    public T Pick<T>(T[] items) => items[Below(items.Length)];

    private ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
