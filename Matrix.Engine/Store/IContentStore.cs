namespace Matrix.Engine.Store;

/// <summary>A reference to content kept out of the orchestrator: which rank owns it, its key and length.</summary>
public readonly record struct ContentRef(int OwnerRank, long Key, int Length);

/// <summary>
/// Keeps large message content out of the orchestrator (Matrix.Store implements it on FASTER). Content
/// is immutable once put and freed when its task's record is durable.
/// </summary>
public interface IContentStore : IAsyncDisposable
{
    ValueTask<ContentRef> PutAsync(string taskId, string content, CancellationToken cancellationToken = default);

    ValueTask<string> GetAsync(ContentRef reference, CancellationToken cancellationToken = default);

    ValueTask FreeAsync(string taskId, CancellationToken cancellationToken = default);
}
