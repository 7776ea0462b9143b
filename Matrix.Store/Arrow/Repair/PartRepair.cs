using System.Globalization;
using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace Matrix.Store.Arrow.Repair;

/// <summary>What <see cref="PartRepair.Repair"/> did.</summary>
/// <param name="Repaired">Parts rewritten in place with their whole record batches (paths in the directory).</param>
/// <param name="SetAside">Parts moved to <c>damaged/</c> and not recreated: no readable schema or no whole batch.</param>
/// <param name="RowsKept">Rows of the rewritten parts (parts left untouched are not counted).</param>
/// <param name="RowsLost">Rows of the cut-off batches, as far as their metadata tells (0 when unknown).</param>
public sealed record PartRepairReport(IReadOnlyList<string> Repaired, IReadOnlyList<string> SetAside, long RowsKept, long RowsLost);

/// <summary>
/// Before <c>--resume</c>: makes every part of an output directory a complete Arrow stream again after a
/// crash (<c>kill -9</c> mid-write). A part that reads completely (schema, batches, end-of-stream marker
/// exactly at the end) is left alone. Any other is rebuilt from its whole record batches: the bytes of its
/// messages up to the last batch Arrow decodes, and an end marker, are written to <c>&lt;name&gt;.repairing</c>
/// (read back, flushed to disk), the original is moved to <c>damaged/</c>, and the copy is renamed to
/// <c>&lt;name&gt;</c>; a part with no readable schema or no whole batch is only moved to <c>damaged/</c>. Nothing is deleted but leftover copies, so every step can be interrupted and redone.
/// Must not run while a sink writes to the parts it looks at.
/// </summary>
public static class PartRepair
{
    public const string DamagedFolder = "damaged";
    private const string RepairingSuffix = ".repairing";

    /// <summary>
    /// Repairs the parts of <paramref name="directory"/> (only those of <paramref name="rank"/> when given).
    /// First finishes or discards what an interrupted repair left: a <c>.repairing</c> copy is deleted while
    /// its original is still in place, and renamed to the part when the original was already moved (the
    /// copy was complete and flushed before that move).
    /// </summary>
    public static PartRepairReport Repair(string directory, int? rank = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var prefix = rank is { } r ? PartFiles.RankPrefix(r) : "part-";

        var recovered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var leftover in Files(directory, prefix + "*.arrow" + RepairingSuffix, ".arrow" + RepairingSuffix))
        {
            var original = leftover[..^RepairingSuffix.Length];
            if (File.Exists(original))
            {
                File.Delete(leftover);
            }
            else
            {
                File.Move(leftover, original);
                recovered.Add(original);
            }
        }

        var repaired = new List<string>();
        var setAside = new List<string>();
        long kept = 0;
        long lost = 0;
        foreach (var part in Files(directory, prefix + "*.arrow", ".arrow"))
        {
            var outcome = RepairPart(directory, part);
            lost += outcome.Lost;
            switch (outcome.Action)
            {
                case PartAction.Rewritten:
                // An intact part that was finished above from an interrupted repair's copy.
                case PartAction.Intact when recovered.Contains(part):
                    repaired.Add(part);
                    kept += outcome.Kept;
                    break;
                case PartAction.SetAside:
                    setAside.Add(part);
                    break;
                default:
                    break;
            }
        }

        return new PartRepairReport(repaired, setAside, kept, lost);
    }

    private enum PartAction
    {
        Intact,
        Rewritten,
        SetAside,
    }

    private readonly record struct PartOutcome(PartAction Action, long Kept, long Lost);

    private static string[] Files(string directory, string pattern, string suffix)
    {
        var files = Directory.GetFiles(directory, pattern).Where(f => f.EndsWith(suffix, StringComparison.Ordinal)).ToArray();
        System.Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private static PartOutcome RepairPart(string directory, string part)
    {
        var frames = ReadFrames(part);

        // Never read past what the framing shows whole: a cut-off message is not handed to Arrow at all.
        var (schema, batches, rows) = ReadWhole(part, frames.RecordBatches);
        if (frames.Complete && schema is not null && batches == frames.RecordBatches)
        {
            return new PartOutcome(PartAction.Intact, rows, 0);
        }

        var lost = Math.Max(0, frames.FramedRows - rows);
        if (schema is null || batches == 0)
        {
            SetAside(directory, part);
            return new PartOutcome(PartAction.SetAside, 0, lost);
        }

        // The whole messages up to the last batch Arrow decoded, byte for byte (dictionaries included).
        var end = frames.Messages.Where(m => m.Kind == IpcMessageKind.RecordBatch).ElementAt(batches - 1).End;
        var copy = part + RepairingSuffix;
        var copied = false;
        try
        {
            Copy(part, copy, end);
            var check = ReadFrames(copy);
            if (!check.Complete || check.RecordBatches != batches || ReadWhole(copy, batches) is not (not null, var copiedBatches, var copiedRows)
                || copiedBatches != batches || copiedRows != rows)
            {
                throw new InvalidDataException($"{copy}: the repaired copy does not read back as {batches} batches of {rows} rows");
            }

            copied = true;
        }
        finally
        {
            if (!copied)
            {
                File.Delete(copy);
            }
        }

        SetAside(directory, part);
        File.Move(copy, part);
        return new PartOutcome(PartAction.Rewritten, rows, lost);
    }

    /// <summary>
    /// The schema (null when unreadable) and how many of the first <paramref name="limit"/> batches Arrow
    /// decodes, stopping at the first it cannot.
    /// </summary>
    private static (Schema? Schema, int Batches, long Rows) ReadWhole(string part, int limit)
    {
        using var file = File.OpenRead(part);
        using var reader = new ArrowStreamReader(file, leaveOpen: true);
        Schema? schema;
        try
        {
            schema = reader.Schema;
        }
        catch (Exception ex) when (IsReadError(ex))
        {
            return (null, 0, 0);
        }

        if (schema is null)
        {
            return (null, 0, 0);
        }

        var batches = 0;
        long rows = 0;
        while (batches < limit)
        {
            try
            {
                using var batch = reader.ReadNextRecordBatch();
                if (batch is null)
                {
                    break;
                }

                batches++;
                rows += batch.Length;
            }
            catch (Exception ex) when (IsReadError(ex))
            {
                break;
            }
        }

        return (schema, batches, rows);
    }

    private static IpcFrameScan ReadFrames(string path)
    {
        using var file = File.OpenRead(path);
        return IpcFraming.Scan(file);
    }

    /// <summary>
    /// Copies the first <paramref name="length"/> bytes of <paramref name="part"/> (whole messages) and an end
    /// marker to <paramref name="copy"/>, flushed to disk. Copying bytes rather than re-encoding batches keeps
    /// every message as it was: Apache.Arrow's stream writer writes dictionaries once, from the first batch,
    /// and cannot carry over another writer's dictionary ids or replacement dictionaries.
    /// </summary>
    private static void Copy(string part, string copy, long length)
    {
        using var source = File.OpenRead(part);
        using var target = new FileStream(copy, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        var buffer = new byte[1 << 16];
        for (var left = length; left > 0;)
        {
            var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
            {
                throw new InvalidDataException($"{part}: shorter than the {length} bytes read before");
            }

            target.Write(buffer, 0, read);
            left -= read;
        }

        target.Write(PartFiles.EndMarker);
        target.Flush(flushToDisk: true);
    }

    /// <summary>Moves <paramref name="part"/> to <c>damaged/</c> under its name, or with a suffix if that is taken.</summary>
    private static void SetAside(string directory, string part)
    {
        var damaged = Path.Combine(directory, DamagedFolder);
        Directory.CreateDirectory(damaged);
        var name = Path.GetFileNameWithoutExtension(part);
        var extension = Path.GetExtension(part);
        for (var n = 0; ; n++)
        {
            var target = Path.Combine(damaged, n == 0 ? name + extension : string.Create(CultureInfo.InvariantCulture, $"{name}.{n}{extension}"));
            if (File.Exists(target))
            {
                continue;
            }

            try
            {
                File.Move(part, target, overwrite: false);
                return;
            }
            catch (IOException) when (File.Exists(target) && File.Exists(part))
            {
                // Taken between the check and the move: try the next suffix.
            }
        }
    }

    /// <summary>
    /// What Arrow throws on a damaged or cut-off stream: short reads (InvalidOperationException), bad
    /// flatbuffers (ArgumentOutOfRangeException, IndexOutOfRangeException), bad lengths (OverflowException),
    /// unknown types (NotSupportedException), and so on. Only a failure to allocate is not the file's fault.
    /// </summary>
    private static bool IsReadError(Exception ex) => ex is not (OutOfMemoryException or InsufficientExecutionStackException);
}
