using System.Collections;
using Apache.Arrow.Ipc;
using Matrix.Engine.Orchestration;
using Matrix.Store.Arrow.Read;

namespace Matrix.Store.Arrow.Repair;

/// <summary>What <see cref="PartRetry.RemoveFailed"/> did.</summary>
/// <param name="Rewritten">Parts rewritten without their failed records (paths in the directory).</param>
/// <param name="Deleted">Parts deleted because every record in them had failed.</param>
/// <param name="RecordsRemoved">Failed records removed: the tasks that run again.</param>
public sealed record PartRetryReport(IReadOnlyList<string> Rewritten, IReadOnlyList<string> Deleted, long RecordsRemoved)
{
    public static PartRetryReport None { get; } = new([], [], 0);
}

/// <summary>
/// Before <c>--resume --retry-failed</c> admits any task: takes the records with status <c>failed</c> out of
/// the parts, so that those tasks have no record and run again, and every task still has exactly one.
/// <para>
/// Crash safety: a part is never changed in place. Its other records are written to
/// <c>&lt;name&gt;.retrying</c> (a name no reader lists: it does not end in <c>.arrow</c>), flushed to disk
/// and read back, then renamed over the part, an atomic replace, and the directory is flushed; a part whose
/// every record failed is deleted instead. A <c>kill -9</c> at any moment therefore leaves each part either
/// as it was (its failed records still there: the next <c>--retry-failed</c> removes them again, a plain
/// <c>--resume</c> keeps them as done) or without its failed records (those tasks have no record and are
/// admitted again), never half of either, and never a record lost that was not a failed one. A leftover
/// <c>.retrying</c> copy only ever exists beside its untouched original, so it is garbage and
/// <see cref="DeleteLeftovers"/> deletes it.
/// </para>
/// Expects repaired parts (<see cref="PartRepair"/>); must not run while a sink writes to the directory.
/// </summary>
public static class PartRetry
{
    internal const string RetryingSuffix = ".retrying";

    private static readonly string Failed = TaskOutcome.Failed.ToColumnValue();

    /// <summary>Deletes the copies an interrupted <see cref="RemoveFailed"/> left; returns how many.</summary>
    public static int DeleteLeftovers(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var leftovers = Directory.GetFiles(directory, PartFiles.SearchPattern + RetryingSuffix)
            .Where(f => f.EndsWith(".arrow" + RetryingSuffix, StringComparison.Ordinal))
            .ToArray();
        foreach (var leftover in leftovers)
        {
            File.Delete(leftover);
        }

        return leftovers.Length;
    }

    /// <summary>Removes every failed record from the parts of <paramref name="directory"/>.</summary>
    public static PartRetryReport RemoveFailed(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        DeleteLeftovers(directory);
        var rewritten = new List<string>();
        var deleted = new List<string>();
        long removed = 0;
        foreach (var part in PartFiles.List(directory))
        {
            var failed = FailedRows(part, out var count);
            if (count == 0)
            {
                continue;
            }

            if (count == failed.Count)
            {
                File.Delete(part);
                deleted.Add(part);
            }
            else
            {
                Rewrite(part, failed);
                rewritten.Add(part);
            }

            DirectorySync.Flush(directory);
            removed += count;
        }

        return new PartRetryReport(rewritten, deleted, removed);
    }

    /// <summary>Which rows of the part failed, in order.</summary>
    private static BitArray FailedRows(string part, out int count)
    {
        var failed = new BitArray(0);
        count = 0;
        var row = 0;
        foreach (var record in PartScanner.ScanFile(part))
        {
            if (row == failed.Length)
            {
                failed.Length = Math.Max(1024, row * 2);
            }

            if (record.Status == Failed)
            {
                failed[row] = true;
                count++;
            }

            row++;
        }

        failed.Length = row;
        return failed;
    }

    /// <summary>
    /// Writes the part without its failed rows to the copy, then renames the copy over it. Messages without
    /// failed rows (the schema, whole batches) are copied byte for byte; a batch with some is re-encoded by
    /// Apache.Arrow's writer from the slices of its other rows, one batch again.
    /// </summary>
    private static void Rewrite(string part, BitArray failed)
    {
        IpcFrameScan frames;
        using (var file = File.OpenRead(part))
        {
            frames = IpcFraming.Scan(file);
        }

        if (!frames.Complete)
        {
            throw new IOException($"{part}: not a complete Arrow stream; it should have been repaired first");
        }

        // Apache.Arrow's writer cannot carry over another writer's dictionaries (see PartRepair.Copy), and
        // matrix never writes any: a dictionary-encoded part came from elsewhere.
        if (frames.Messages.Any(m => m.Kind == IpcMessageKind.DictionaryBatch))
        {
            throw new IOException($"{part}: has dictionary-encoded columns (not written by matrix); --retry-failed cannot rewrite it");
        }

        var copy = part + RetryingSuffix;
        var written = false;
        try
        {
            WriteCopy(part, copy, frames, failed);
            Verify(part, copy, failed);
            written = true;
        }
        finally
        {
            if (!written)
            {
                File.Delete(copy);
            }
        }

        File.Move(copy, part, overwrite: true);
    }

    private static void WriteCopy(string part, string copy, IpcFrameScan frames, BitArray failed)
    {
        using var source = File.OpenRead(part);
        using var reader = new ArrowStreamReader(File.OpenRead(part), leaveOpen: false);
        using var target = new FileStream(copy, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        var schema = reader.Schema;
        var row = 0;
        foreach (var message in frames.Messages)
        {
            if (message.Kind != IpcMessageKind.RecordBatch)
            {
                CopyRange(source, target, message.Offset, message.End);
                continue;
            }

            using var batch = reader.ReadNextRecordBatch()
                ?? throw new IOException($"{part}: Arrow reads fewer batches than the file frames");
            if (batch.Length != message.Rows)
            {
                throw new IOException($"{part}: a batch of {message.Rows} rows reads as {batch.Length}");
            }

            var failedHere = 0;
            for (var i = row; i < row + batch.Length; i++)
            {
                failedHere += failed[i] ? 1 : 0;
            }

            if (failedHere == 0)
            {
                CopyRange(source, target, message.Offset, message.End);
            }
            else if (failedHere < batch.Length)
            {
                KeptRows.Write(target, schema, batch, failed, row);
            }

            row += batch.Length;
        }

        if (row != failed.Length)
        {
            throw new IOException($"{part}: Arrow reads {row} rows, the scan read {failed.Length}");
        }

        target.Write(PartFiles.EndMarker);
        target.Flush(flushToDisk: true);
    }

    /// <summary>The copy must read completely, with the part's records but the failed ones, in order.</summary>
    private static void Verify(string part, string copy, BitArray failed)
    {
        using (var file = File.OpenRead(copy))
        {
            if (!IpcFraming.Scan(file).Complete)
            {
                throw new IOException($"{copy}: the rewritten part is not a complete Arrow stream");
            }
        }

        var expected = PartScanner.ScanFile(part).Where((_, i) => !failed[i]);
        if (!expected.SequenceEqual(PartScanner.ScanFile(copy)))
        {
            throw new IOException($"{copy}: the rewritten part does not read back as the records of {part} without the failed ones");
        }
    }

    private static void CopyRange(FileStream source, FileStream target, long start, long end)
    {
        var buffer = new byte[(int)Math.Min(1 << 16, Math.Max(1, end - start))];
        source.Position = start;
        for (var left = end - start; left > 0;)
        {
            var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
            {
                throw new IOException($"{source.Name}: shorter than its framing said");
            }

            target.Write(buffer, 0, read);
            left -= read;
        }
    }
}
