using Microsoft.Extensions.Logging;

namespace Matrix.Store.Content;

/// <summary>
/// Settings of one rank's <see cref="FasterContentStore"/>. FASTER rounds every size down to a power of
/// two; <see cref="FasterContentStore.Open"/> validates the rounded values.
/// </summary>
public sealed record ContentStoreOptions
{
    /// <summary>The default <see cref="MemoryBytes"/>: 64 MiB.</summary>
    public const long DefaultMemoryBytes = 64L << 20;

    /// <summary>The default <see cref="IndexBuckets"/>: 65,536 buckets of 64 bytes (4 MiB), about 450,000 live entries before overflow buckets.</summary>
    public const int DefaultIndexBuckets = 1 << 16;

    /// <summary>
    /// The rank's work directory, e.g. <c>&lt;out&gt;/.work/rank-0</c>. Created if needed; the store owns it
    /// (one store per directory, enforced with a lock file) and deletes it on dispose unless <see cref="KeepFiles"/>.
    /// </summary>
    public required string Directory { get; init; }

    /// <summary>The rank that owns this store; it goes into every <c>ContentRef.OwnerRank</c>.</summary>
    public int Rank { get; init; }

    /// <summary>The in-memory part of the log (bounds the store's memory); older content spills to files in <see cref="Directory"/>.</summary>
    public long MemoryBytes { get; init; } = DefaultMemoryBytes;

    /// <summary>
    /// The log page size; null picks <see cref="MemoryBytes"/>/16 within [4 KiB, 4 MiB]. Content is stored in
    /// chunks of a quarter page, so content of any size fits.
    /// </summary>
    public long? PageBytes { get; init; }

    /// <summary>The size of one log file; null picks <see cref="MemoryBytes"/>. Disk space is given back a whole file at a time.</summary>
    public long? SegmentBytes { get; init; }

    /// <summary>Hash index buckets (64 bytes each, 7 entries per bucket before overflow).</summary>
    public int IndexBuckets { get; init; } = DefaultIndexBuckets;

    /// <summary>Keep <see cref="Directory"/> on dispose (for inspection); its log files are deleted at the next open.</summary>
    public bool KeepFiles { get; init; }

    /// <summary>Where the store logs its events (the first spill to disk); <c>null</c> logs nothing.</summary>
    public ILogger? Logger { get; init; }
}
