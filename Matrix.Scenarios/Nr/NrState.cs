using MemoryPack;

namespace Matrix.Scenarios.Nr;

/// <summary>The last nr step that ran on a task.</summary>
internal enum NrStage : byte
{
    /// <summary>Begun: the filter is next.</summary>
    Begun,

    /// <summary>The English check and (for English text) the classifier ran.</summary>
    Filtered,

    /// <summary>The rubric scorer ran.</summary>
    Scored,

    /// <summary>The question writer ran.</summary>
    Questioned,
}

/// <summary>
/// An nr task's own state: what each step found, so that routing and the output columns never re-read replies.
/// Only one agent touches a task at a time, so it needs no locking.
/// </summary>
[MemoryPackable]
internal sealed partial class NrState
{
    public NrStage Stage { get; set; }

    /// <summary>Why the document was dropped (an <see cref="NrReasons"/> value); null while it passes.</summary>
    public string? Rejection { get; set; }

    /// <summary>The English score the filter compared with <c>nr.filter_en</c>: the row's, else the heuristic's.</summary>
    public double? EnglishScore { get; set; }

    /// <summary>The four rubric scores (completeness, complexity, correctness, reasoning) once they parsed.</summary>
    public int[]? Scores { get; set; }

    public string? Question { get; set; }

    public string? Category { get; set; }

    public string? Answer { get; set; }

    /// <summary>The independent solution's steps as a JSON array of strings.</summary>
    public string? StepsJson { get; set; }
}
