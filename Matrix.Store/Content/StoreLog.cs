using Microsoft.Extensions.Logging;

namespace Matrix.Store.Content;

/// <summary>The content store's log messages (event ids 1300-1399): events of the store, never one per put.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "content store of rank {Rank}: its {MemoryMb} MiB in memory are full; older content spills to {Directory}")]
    public static partial void Spilling(this ILogger logger, int rank, long memoryMb, string directory);
}
