using Apache.Arrow;

namespace Matrix.Store.Arrow;

/// <summary>What <c>matrix inspect</c> counts while it streams through the parts.</summary>
internal sealed class OutputTally
{
    public const int SampleCount = 3;
    private const int DuplicateExamples = 5;

    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    public int Parts { get; private set; }

    public long Rows { get; private set; }

    public long PromptTokens { get; private set; }

    public long CompletionTokens { get; private set; }

    public Dictionary<string, long> ByStatus { get; } = new(StringComparer.Ordinal);

    public Dictionary<(string Status, string? Reason), long> ByStatusAndReason { get; } = [];

    public long Duplicates { get; private set; }

    public List<string> DuplicateExamplesSeen { get; } = [];

    /// <summary>The schema of the first part; the others are compared with it.</summary>
    public Schema? Schema { get; private set; }

    public List<string> SchemaMismatches { get; } = [];

    public List<PartRow> Samples { get; } = [];

    /// <summary>Parts without an end-of-stream marker (see <see cref="PartFiles.HasEndMarker"/>).</summary>
    public List<string> Unfinished { get; } = [];

    public void AddPart(string path, PartFileReader reader)
    {
        Parts++;
        if (Schema is null)
        {
            Schema = reader.Schema;
        }
        else if (!SameColumns(Schema, reader.Schema))
        {
            SchemaMismatches.Add(Path.GetFileName(path));
        }

        var decoder = PartReader.Decoder(reader);
        if (!PartFiles.HasEndMarker(path))
        {
            Unfinished.Add(Path.GetFileName(path));
        }

        while (reader.Next() is { } batch)
        {
            using (batch)
            {
                for (var row = 0; row < batch.Length; row++)
                {
                    AddRow(decoder, batch, row);
                }
            }
        }
    }

    private void AddRow(PartRowDecoder decoder, RecordBatch batch, int row)
    {
        Rows++;
        var id = decoder.Id(batch, row);
        if (!_ids.Add(id))
        {
            Duplicates++;
            if (DuplicateExamplesSeen.Count < DuplicateExamples)
            {
                DuplicateExamplesSeen.Add(id);
            }
        }

        var status = decoder.Status(batch, row);
        var reason = decoder.Reason(batch, row);
        ByStatus[status] = ByStatus.GetValueOrDefault(status) + 1;
        ByStatusAndReason[(status, reason)] = ByStatusAndReason.GetValueOrDefault((status, reason)) + 1;
        PromptTokens += decoder.PromptTokens(batch, row);
        CompletionTokens += decoder.CompletionTokens(batch, row);
        if (Samples.Count < SampleCount)
        {
            Samples.Add(decoder.Row(batch, row));
        }
    }

    private static bool SameColumns(Schema a, Schema b) =>
        a.FieldsList.Select(f => f.Name).SequenceEqual(b.FieldsList.Select(f => f.Name), StringComparer.Ordinal);
}
