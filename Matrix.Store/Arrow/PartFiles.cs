using System.Globalization;

namespace Matrix.Store.Arrow;

/// <summary>
/// Names of the part files: <c>part-&lt;rank&gt;-&lt;seq&gt;.arrow</c> with the rank padded to 5 digits and
/// the sequence to 6, so that an ordinal sort of the names is the order they were written in.
/// </summary>
internal static class PartFiles
{
    public const string SearchPattern = "part-*.arrow";

    public static string Name(int rank, int seq) =>
        string.Create(CultureInfo.InvariantCulture, $"part-{rank:D5}-{seq:D6}.arrow");

    /// <summary>Every part file in <paramref name="directory"/>, sorted by name.</summary>
    public static string[] List(string directory)
    {
        var files = Directory.GetFiles(directory, SearchPattern);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>What the names of every part of <paramref name="rank"/> start with.</summary>
    public static string RankPrefix(int rank) => string.Create(CultureInfo.InvariantCulture, $"part-{rank:D5}-");

    /// <summary>
    /// The first sequence number after every existing part of <paramref name="rank"/>. A sink starts
    /// there so that a resumed run adds parts beside the earlier ones instead of overwriting them.
    /// </summary>
    public static int NextSequence(string directory, int rank)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var prefix = RankPrefix(rank);
        var next = 0;
        foreach (var path in Directory.EnumerateFiles(directory, prefix + "*.arrow"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) && seq >= next)
            {
                next = seq + 1;
            }
        }

        return next;
    }

    /// <summary>
    /// Whether the part ends with the Arrow end-of-stream marker (0xFFFFFFFF then a zero length) that a
    /// sink writes when it closes the part. A part without it is still being written, or its rank crashed.
    /// </summary>
    public static bool HasEndMarker(string path)
    {
        Span<byte> tail = stackalloc byte[8];
        using var file = File.OpenRead(path);
        if (file.Length < tail.Length)
        {
            return false;
        }

        file.Seek(-tail.Length, SeekOrigin.End);
        file.ReadExactly(tail);
        return tail.SequenceEqual(EndMarker);
    }

    /// <summary>The Arrow end-of-stream marker: a continuation token and a zero metadata length.</summary>
    public static ReadOnlySpan<byte> EndMarker => [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0];
}
