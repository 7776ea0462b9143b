using System.Globalization;

namespace Matrix.Hosting.Bench;

/// <summary>How the reports print figures: invariant culture, thousands separators, "n/a" for a missing figure.</summary>
internal static class Format
{
    public const string Missing = "n/a";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A whole number with separators: 281,000.</summary>
    public static string Whole(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("N0", Inv) : Missing;

    /// <summary>A number with <paramref name="decimals"/> decimals.</summary>
    public static string Fixed(double? v, int decimals) => v is { } x && double.IsFinite(x) ? x.ToString("N" + decimals.ToString(Inv), Inv) : Missing;

    /// <summary>Two significant-ish digits for small values, whole numbers above 100: 0.42, 3.1, 48, 1,234.</summary>
    public static string Short(double? v) => v switch
    {
        null => Missing,
        { } x when !double.IsFinite(x) => Missing,
        { } x when Math.Abs(x) >= 100 => x.ToString("N0", Inv),
        { } x when Math.Abs(x) >= 10 => x.ToString("0.0", Inv),
        { } x => x.ToString("0.00", Inv),
    };

    public static string Percent(double? share) => share is { } x && double.IsFinite(x) ? (x * 100).ToString(x < 0.001 ? "0.000" : "0.0", Inv) + "%" : Missing;

    /// <summary>A ratio: 2.14x.</summary>
    public static string Times(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("0.00", Inv) + "x" : Missing;

    /// <summary>Bytes in decimal units (as docs/BENCHMARKS.md): 18.9 KB, 1.89 GB.</summary>
    public static string Bytes(double? v) => v switch
    {
        null => Missing,
        { } x when !double.IsFinite(x) => Missing,
        { } x when Math.Abs(x) >= 1e9 => (x / 1e9).ToString("0.00", Inv) + " GB",
        { } x when Math.Abs(x) >= 1e6 => (x / 1e6).ToString("0.0", Inv) + " MB",
        { } x when Math.Abs(x) >= 1e3 => (x / 1e3).ToString("0.0", Inv) + " KB",
        { } x => x.ToString("0", Inv) + " B",
    };

    public static string Seconds(double? v) => v is { } x && double.IsFinite(x) ? x.ToString("0.0", Inv) + " s" : Missing;

    /// <summary>"yes", "no", or "n/a" for a target check that could not be made.</summary>
    public static string Met(bool? met) => met switch { true => "yes", false => "no", null => Missing };
}
