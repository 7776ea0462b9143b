using MemoryPack;

namespace Matrix.Scenarios.Nr;

/// <summary>
/// One web document (an input row of nr): its text, its URL and the English score its row carried, if any.
/// </summary>
/// <remarks>
/// <c>Begin</c> makes the text the task's opening user turn, and the agents read it from there. The text
/// is not serialized with the input (<see cref="MemoryPackIgnoreAttribute"/>): the turn already carries it, and
/// the turn is what offloading moves to the content store, so a document crosses ranks once (or as a reference)
/// instead of twice. Only <see cref="NrScenario.Begin"/>, on the admitting rank, reads <see cref="Text"/>.
/// </remarks>
[MemoryPackable]
internal sealed partial class NrDocument
{
    [MemoryPackConstructor]
    public NrDocument(string? url, double? englishScore)
    {
        Url = url;
        EnglishScore = englishScore;
    }

    public NrDocument(string text, string? url, double? englishScore)
        : this(url, englishScore)
    {
        ArgumentNullException.ThrowIfNull(text);
        Text = text;
    }

    /// <summary>The document; null once the input has crossed ranks (see the remarks).</summary>
    [MemoryPackIgnore]
    public string? Text { get; }

    public string? Url { get; }

    /// <summary>The probability that the document is English, from the row (fastText in DCLM and FineWeb); null: none given.</summary>
    public double? EnglishScore { get; }
}
