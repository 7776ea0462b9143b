using System.Collections;
using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace Matrix.Store.Arrow.Repair;

/// <summary>
/// One record batch without some of its rows, as the bytes of one IPC record batch message: for
/// <see cref="PartRetry"/>. Apache.Arrow has no filter kernel, so the runs of kept rows are sliced and
/// concatenated column by column, and the writer encodes the result.
/// </summary>
internal static class KeptRows
{
    /// <summary>Writes the rows of <paramref name="batch"/> whose bit in <paramref name="drop"/> (from <paramref name="first"/>) is clear.</summary>
    public static void Write(Stream target, Schema schema, RecordBatch batch, BitArray drop, int first)
    {
        var runs = new List<(int Start, int Length)>();
        for (var i = 0; i < batch.Length;)
        {
            if (drop[first + i])
            {
                i++;
                continue;
            }

            var start = i;
            while (i < batch.Length && !drop[first + i])
            {
                i++;
            }

            runs.Add((start, i - start));
        }

        // Slices share the batch's buffers (its owner disposes them); only concatenated arrays are new.
        var slices = runs.Select(r => batch.Slice(r.Start, r.Length)).ToList();
        var created = new List<IArrowArray>();
        try
        {
            var columns = new IArrowArray[schema.FieldsList.Count];
            for (var c = 0; c < columns.Length; c++)
            {
                if (slices.Count == 1)
                {
                    columns[c] = slices[0].Column(c);
                    continue;
                }

                columns[c] = ArrowArrayConcatenator.Concatenate(slices.Select(s => s.Column(c)).ToList());
                created.Add(columns[c]);
            }

            WriteMessage(target, schema, new RecordBatch(schema, columns, runs.Sum(r => r.Length)));
        }
        finally
        {
            foreach (var array in created)
            {
                array.Dispose();
            }
        }
    }

    /// <summary>Encodes the batch with Apache.Arrow's stream writer and copies out only its record batch message.</summary>
    private static void WriteMessage(Stream target, Schema schema, RecordBatch batch)
    {
        using var stream = new MemoryStream();
        using (var writer = new ArrowStreamWriter(stream, schema, leaveOpen: true))
        {
            writer.WriteRecordBatch(batch);
        }

        var frames = IpcFraming.Scan(stream);
        if (frames.Messages.Count(m => m.Kind == IpcMessageKind.RecordBatch) != 1 || frames.Messages.Any(m => m.Kind == IpcMessageKind.DictionaryBatch))
        {
            throw new IOException("the Arrow writer did not encode one plain record batch");
        }

        var message = frames.Messages.Single(m => m.Kind == IpcMessageKind.RecordBatch);
        target.Write(stream.GetBuffer(), (int)message.Offset, (int)(message.End - message.Offset));
    }
}
