using System.Text;

namespace Matrix.Engine.Llm.Sim;

/// <summary>
/// The simulated LLM's prose: sentences assembled from a small bank of phrases, and a pooled
/// <see cref="StringBuilder"/> per thread (answers are built synchronously, never across an await).
/// No phrase contains a parenthesis, so generated prose never looks like an answer letter such as "(B)".
/// </summary>
public static class SimText
{
    private static readonly string[] Openers =
    [
        "Let us look at this carefully,", "First of all,", "On closer inspection,", "Taken together,",
        "If we follow the definitions,", "Working through the details,", "As a quick check,", "Going back to the question,",
        "To be careful here,", "Looking at it another way,", "By the same reasoning,", "Stepping back for a moment,",
    ];

    private static readonly string[] Subjects =
    [
        "the key quantity", "the first condition", "the stated relation", "this kind of argument",
        "the underlying principle", "the given information", "the standard definition", "the boundary case",
        "a simple estimate", "the wording of the question", "the usual convention", "the remaining case",
    ];

    private static readonly string[] Verbs =
    [
        "suggests that", "implies that", "makes it clear that", "strongly indicates that", "is consistent with the idea that",
        "does not support the claim that", "only works if", "reminds us that", "shows that", "rules out the case where",
    ];

    private static readonly string[] Clauses =
    [
        "the effect grows with the size of the input", "two of the choices contradict each other",
        "the answer must respect the main constraint", "the simplest explanation is usually the right one",
        "the extra terms cancel out in the end", "the result should not depend on the order of the steps",
        "the distractors rely on a common mistake", "the units have to match on both sides",
        "the process settles into a stable state", "the claim holds in the general case",
        "we should double check the arithmetic", "the other reading of the question is less likely",
    ];

    [ThreadStatic]
    private static StringBuilder? t_builder;

    /// <summary>An empty builder for one answer; hand it back with <see cref="ToStringAndReturn"/>.</summary>
    public static StringBuilder Rent()
    {
        var sb = t_builder ?? new StringBuilder(2048);
        t_builder = null;
        return sb.Clear();
    }

    /// <summary>Returns the builder's text and keeps the builder for the next answer on this thread.</summary>
    public static string ToStringAndReturn(StringBuilder sb)
    {
        var text = sb.ToString();
        if (sb.Capacity <= 32 * 1024)
        {
            t_builder = sb;
        }

        return text;
    }

    /// <summary>Appends one sentence (with a separating space when <paramref name="sb"/> is not empty).</summary>
    public static void AppendSentence(StringBuilder sb, ref SimRandom rng)
    {
        if (sb.Length > 0)
        {
            sb.Append(' ');
        }

        sb.Append(rng.Pick(Openers)).Append(' ')
            .Append(rng.Pick(Subjects)).Append(' ')
            .Append(rng.Pick(Verbs)).Append(' ')
            .Append(rng.Pick(Clauses)).Append('.');
    }

    /// <summary>
    /// Appends sentences while they fit in <paramref name="budget"/> characters (keeping <paramref name="reserve"/>
    /// for what follows); stops at <paramref name="count"/> or at the first sentence that does not fit.
    /// </summary>
    public static void AppendSentences(StringBuilder sb, ref SimRandom rng, int count, int budget, int reserve)
    {
        for (var i = 0; i < count; i++)
        {
            var before = sb.Length;
            AppendSentence(sb, ref rng);
            if (sb.Length + reserve > budget)
            {
                sb.Length = before;
                return;
            }
        }
    }

    /// <summary>
    /// A heavy-tailed sentence count: uniform in [<paramref name="min"/>, <paramref name="max"/>], then doubled while
    /// a coin with <paramref name="doubling"/> probability comes up (a power-law tail, P(N &gt; 2^k x) ~ doubling^k).
    /// </summary>
    public static int HeavyTailedCount(ref SimRandom rng, int min, int max, double doubling, int cap = 4096)
    {
        var n = min + rng.Next(max - min + 1);
        while (n < cap && rng.Chance(doubling))
        {
            n *= 2;
        }

        return Math.Min(n, cap);
    }

    /// <summary>Cuts <paramref name="sb"/> to <paramref name="budget"/> characters; true when it had to.</summary>
    public static bool Truncate(StringBuilder sb, int budget)
    {
        if (sb.Length <= budget)
        {
            return false;
        }

        sb.Length = budget;
        return true;
    }
}
