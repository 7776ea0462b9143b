namespace Matrix.Store.Content;

/// <summary>One put: its first key, how many consecutive keys (chunks) it took, its length, and a lower bound of its log address.</summary>
internal readonly record struct ContentItem(long FirstKey, int Chunks, int Length, long Floor);

/// <summary>
/// The contents one task has put and not freed. Guarded by its own lock; once <see cref="Close"/> has
/// run (the task is being freed) nothing more is added, and a put that raced with the free deletes its own
/// keys (see <see cref="FasterContentStore"/>).
/// </summary>
internal sealed class TaskContent
{
    private readonly Lock _lock = new();
    private readonly List<ContentItem> _items = new(4);
    private bool _closed;

    public bool IsClosed
    {
        get
        {
            lock (_lock)
            {
                return _closed;
            }
        }
    }

    /// <summary>Adds an item unless the task has been closed for freeing.</summary>
    public bool TryAdd(ContentItem item)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }

            _items.Add(item);
            return true;
        }
    }

    /// <summary>Removes an item whose put failed; false if the task was freed meanwhile (the free has accounted for it).</summary>
    public bool TryRemove(ContentItem item)
    {
        lock (_lock)
        {
            return !_closed && _items.Remove(item);
        }
    }

    /// <summary>Closes the task and returns its items.</summary>
    public ContentItem[] Close()
    {
        lock (_lock)
        {
            _closed = true;
            return [.. _items];
        }
    }

    /// <summary>The lowest log address any of the task's records can have, or <see cref="long.MaxValue"/>.</summary>
    public long MinFloor()
    {
        lock (_lock)
        {
            var min = long.MaxValue;
            if (!_closed)
            {
                foreach (var item in _items)
                {
                    min = Math.Min(min, item.Floor);
                }
            }

            return min;
        }
    }
}
