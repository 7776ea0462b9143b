namespace Matrix.Hosting.Bench;

/// <summary>The little statistics a bench needs, all of them null-propagating (a missing figure stays missing).</summary>
internal static class Stats
{
    /// <summary>The median of the values that exist; null when none does.</summary>
    public static double? Median(IEnumerable<double?> values)
    {
        var sorted = values.Where(v => v is not null && double.IsFinite(v.Value)).Select(v => v!.Value).Order().ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary><paramref name="a"/> / <paramref name="b"/>, or null when either is missing or the divisor is not positive.</summary>
    public static double? Ratio(double? a, double? b) => a is null || b is null || b.Value <= 0 ? null : a.Value / b.Value;
}
