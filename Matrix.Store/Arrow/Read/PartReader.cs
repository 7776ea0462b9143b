using Apache.Arrow;

namespace Matrix.Store.Arrow.Read;

/// <summary>
/// Reads output parts back as plain C# values: for tests and <c>matrix inspect</c>. Reads
/// whatever wrote a valid Arrow stream with the output's column names (README, Output) (dictionary-encoded strings too).
/// A damaged part throws <see cref="InvalidDataException"/> naming the file.
/// </summary>
public static class PartReader
{
    /// <summary>Every <c>part-*.arrow</c> in <paramref name="directory"/>, in name order (rank, then sequence).</summary>
    public static IReadOnlyList<string> ListParts(string directory) => PartFiles.List(directory);

    public static Schema ReadSchema(string path)
    {
        using var reader = new PartFileReader(path);
        return reader.Schema;
    }

    /// <summary>The rows of one part, read lazily batch by batch.</summary>
    public static IEnumerable<PartRow> ReadFile(string path)
    {
        using var reader = new PartFileReader(path);
        var decoder = Decoder(reader);
        while (reader.Next() is { } batch)
        {
            using (batch)
            {
                for (var row = 0; row < batch.Length; row++)
                {
                    yield return decoder.Row(batch, row);
                }
            }
        }
    }

    /// <summary>The rows of every part of <paramref name="directory"/>, part after part.</summary>
    public static IEnumerable<PartRow> ReadDirectory(string directory) => ListParts(directory).SelectMany(ReadFile);

    internal static PartRowDecoder Decoder(PartFileReader reader)
    {
        try
        {
            return new PartRowDecoder(reader.Schema);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{reader.Path}: {ex.Message}", ex);
        }
    }
}
