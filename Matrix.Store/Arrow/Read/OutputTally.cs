using Apache.Arrow;

namespace Matrix.Store.Arrow.Read;

/// <summary>What <c>matrix inspect</c> counts while it streams through the parts.</summary>
internal sealed class OutputTally
{
    private const int SampleCount = 3;
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

    /// <summary>Turns (entries of <c>messages</c>) over all rows.</summary>
    public long Turns { get; private set; }

    /// <summary>Turns that carry the model's reasoning.</summary>
    public long TurnsWithReasoning { get; private set; }

    /// <summary>Turns by the finish reason the server gave (turns without one are not counted).</summary>
    public Dictionary<string, long> ByFinishReason { get; } = new(StringComparer.Ordinal);

    /// <summary>Turns by the model that answered (turns without one are not counted).</summary>
    public Dictionary<string, long> ByModel { get; } = new(StringComparer.Ordinal);

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
        foreach (var (finishReason, model, hasReasoning) in decoder.TurnSummaries(batch, row))
        {
            Turns++;
            TurnsWithReasoning += hasReasoning ? 1 : 0;
            if (finishReason is not null)
            {
                ByFinishReason[finishReason] = ByFinishReason.GetValueOrDefault(finishReason) + 1;
            }

            if (model is not null)
            {
                ByModel[model] = ByModel.GetValueOrDefault(model) + 1;
            }
        }

        if (Samples.Count < SampleCount)
        {
            Samples.Add(decoder.Row(batch, row));
        }
    }

    private static bool SameColumns(Schema a, Schema b) =>
        a.FieldsList.Select(f => f.Name).SequenceEqual(b.FieldsList.Select(f => f.Name), StringComparer.Ordinal);
}
