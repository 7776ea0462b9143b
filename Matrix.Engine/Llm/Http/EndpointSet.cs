using Matrix.Engine.Llm.Sim;

namespace Matrix.Engine.Llm.Http;

/// <summary>
/// The endpoints of one pool as they are now. A task's calls go to its endpoints in rendezvous order (highest
/// random weight of task id and URL): sticky for prefix-cache reuse, and a URL that joins or leaves moves only the
/// tasks whose first choice it is. Ejected endpoints are skipped; a retry moves one further along the order. The set
/// is replaced whole (copy on write) when the pool's URL file changes, so callers read it without a lock; a removed
/// endpoint keeps serving the calls that hold it (drain).
/// </summary>
internal sealed class EndpointSet
{
    private readonly Func<string, LlmEndpoint> _create;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private volatile LlmEndpoint[] _endpoints = [];
    private TaskCompletionSource _changed = NewSignal();

    public EndpointSet(Func<string, LlmEndpoint> create, TimeProvider time)
    {
        _create = create ?? throw new ArgumentNullException(nameof(create));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    public IReadOnlyList<LlmEndpoint> Current => _endpoints;

    /// <summary>
    /// Completes at the next change (a URL joins or leaves, an endpoint recovers or a probe fails). Take it before
    /// <see cref="Choose"/>, so that a change between the two is not missed by <see cref="WaitForAvailableAsync"/>.
    /// </summary>
    public Task NextChange
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Replaces the set by <paramref name="baseUrls"/>, keeping the endpoint (and its health) of every URL that stays.</summary>
    /// <returns>The URLs that joined and those that left.</returns>
    public (IReadOnlyList<string> Joined, IReadOnlyList<string> Left) Update(IEnumerable<string> baseUrls)
    {
        ArgumentNullException.ThrowIfNull(baseUrls);
        lock (_gate)
        {
            var old = _endpoints;
            var byUrl = old.ToDictionary(e => e.BaseUrl, StringComparer.Ordinal);
            var next = new List<LlmEndpoint>();
            var joined = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var url in baseUrls)
            {
                if (!seen.Add(url))
                {
                    continue;
                }

                if (byUrl.TryGetValue(url, out var kept))
                {
                    next.Add(kept);
                }
                else
                {
                    next.Add(_create(url));
                    joined.Add(url);
                }
            }

            var left = old.Where(e => !seen.Contains(e.BaseUrl)).Select(e => e.BaseUrl).ToList();
            if (joined.Count > 0 || left.Count > 0)
            {
                _endpoints = [.. next];
                SignalLocked();
            }

            return (joined, left);
        }
    }

    /// <summary>
    /// The endpoint for attempt <paramref name="attempt"/> of <paramref name="taskId"/>'s call: the attempt-th available
    /// endpoint in the task's rendezvous order (wrapping), skipping <paramref name="skip"/>; null when none is available.
    /// </summary>
    public LlmEndpoint? Choose(string taskId, int attempt, LlmEndpoint? skip = null)
    {
        var all = _endpoints;
        if (all.Length == 0)
        {
            return null;
        }

        var task = StableHash.Of(taskId);
        if (all.Length == 1)
        {
            var only = all[0];
            return only.IsAvailable && only != skip ? only : null;
        }

        Span<(ulong Weight, int Index)> order = all.Length <= 64 ? stackalloc (ulong, int)[all.Length] : new (ulong, int)[all.Length];
        var available = 0;
        for (var i = 0; i < all.Length; i++)
        {
            if (all[i].IsAvailable && all[i] != skip)
            {
                order[available++] = (StableHash.Mix(task ^ all[i].Key), i);
            }
        }

        if (available == 0)
        {
            return null;
        }

        order = order[..available];
        order.Sort(static (a, b) => b.Weight.CompareTo(a.Weight));
        return all[order[attempt % available].Index];
    }

    /// <summary>The index in <see cref="Current"/> of <paramref name="taskId"/>'s first choice when every endpoint is healthy.</summary>
    public int HomeOf(string taskId)
    {
        var all = _endpoints;
        var task = StableHash.Of(taskId);
        var best = -1;
        var bestWeight = 0UL;
        for (var i = 0; i < all.Length; i++)
        {
            var w = StableHash.Mix(task ^ all[i].Key);
            if (best < 0 || w > bestWeight)
            {
                (best, bestWeight) = (i, w);
            }
        }

        return best;
    }

    /// <summary>
    /// Waits until an endpoint may be available again: <paramref name="changed"/> (<see cref="NextChange"/>, taken
    /// before the <see cref="Choose"/> that found none) completes or the earliest ejection ends, but not past
    /// <paramref name="deadline"/>. Returns false when the deadline passed.
    /// </summary>
    public async Task<bool> WaitForAvailableAsync(Task changed, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        var now = _time.GetUtcNow();
        if (now >= deadline)
        {
            return false;
        }

        // An ejection whose cooldown is over is being probed by another call: its result signals.
        var wake = deadline;
        foreach (var e in _endpoints)
        {
            if (e.EjectedUntil is { } until && until > now && until < wake)
            {
                wake = until;
            }
        }

        var delay = wake - now;
        if (delay > TimeSpan.Zero)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var timer = Task.Delay(delay, _time, stop.Token);
            await Task.WhenAny(changed, timer).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }

        return true;
    }

    /// <summary>Wakes the calls that wait for an available endpoint (an endpoint recovered, or a probe failed).</summary>
    public void Signal()
    {
        lock (_gate)
        {
            SignalLocked();
        }
    }

    private void SignalLocked()
    {
        _changed.TrySetResult();
        _changed = NewSignal();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
