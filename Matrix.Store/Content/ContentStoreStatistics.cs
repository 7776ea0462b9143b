namespace Matrix.Store.Content;

/// <summary>
/// A snapshot of a <see cref="FasterContentStore"/>'s counters. Entries are contents (one per put, however
/// many chunks it takes), so <c>Puts - Frees == LiveEntries</c> once no operation is in flight.
/// </summary>
/// <param name="Puts">Contents put.</param>
/// <param name="Gets">Contents read successfully.</param>
/// <param name="Frees">Contents deleted by <see cref="FasterContentStore.FreeAsync"/>.</param>
/// <param name="BytesStored">UTF-8 bytes of the live contents.</param>
/// <param name="BytesPut">UTF-8 bytes of every content ever put.</param>
/// <param name="LiveEntries">Contents put and not yet freed.</param>
/// <param name="DiskReads">Gets that went to disk (FASTER returned pending).</param>
/// <param name="LogMemoryBytes">Memory allocated for the log's in-memory pages (at most the configured MemoryBytes).</param>
/// <param name="LogDiskBytes">Bytes of the log only on disk: from its begin address (moved forward as space is reclaimed) to its head address.</param>
/// <param name="LogBytes">Bytes from the log's begin address to its tail (memory and disk; includes freed records not yet reclaimed).</param>
/// <param name="ReclaimedBytes">Log bytes below the begin address, whose files were deleted once everything in them was freed.</param>
public sealed record ContentStoreStatistics(
    long Puts,
    long Gets,
    long Frees,
    long BytesStored,
    long BytesPut,
    long LiveEntries,
    long DiskReads,
    long LogMemoryBytes,
    long LogDiskBytes,
    long LogBytes,
    long ReclaimedBytes);
