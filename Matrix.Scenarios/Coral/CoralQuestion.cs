using MemoryPack;

namespace Matrix.Scenarios.Coral;

/// <summary>
/// One multiple-choice question (an input row of coral): the question, its options (lettered A, B, …
/// in order) and the index of the correct option. Immutable; it travels with the orchestrator.
/// </summary>
[MemoryPackable]
internal sealed partial class CoralQuestion
{
    /// <summary>MMLU-Pro has up to 10 options; letters allow at most 26.</summary>
    public const int MaxOptions = 26;

    public const int MinOptions = 2;

    [MemoryPackConstructor]
    public CoralQuestion(string question, IReadOnlyList<string> options, int answerIndex)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Count is < MinOptions or > MaxOptions)
        {
            throw new ArgumentException($"a question needs {MinOptions} to {MaxOptions} options, got {options.Count}", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(answerIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(answerIndex, options.Count);
        Question = question;
        Options = options;
        AnswerIndex = answerIndex;
    }

    public string Question { get; }

    public IReadOnlyList<string> Options { get; }

    /// <summary>0-based index of the correct option.</summary>
    public int AnswerIndex { get; }

    /// <summary>The correct option's letter (A for index 0).</summary>
    [MemoryPackIgnore]
    public char Answer => Letter(AnswerIndex);

    public static char Letter(int index) => (char)('A' + index);

    /// <summary>Whether <paramref name="letter"/> names one of this question's options.</summary>
    public bool IsOption(char letter) => letter >= 'A' && letter - 'A' < Options.Count;
}
