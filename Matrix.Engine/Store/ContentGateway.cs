using System.Collections.Concurrent;
using System.Text;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Transport;

namespace Matrix.Engine.Store;

/// <summary>
/// Offloading on one rank: after a step, content above the threshold goes into this rank's
/// <see cref="IContentStore"/> and the turn keeps a <see cref="ContentRef"/>; before a step that reads
/// content (and before the sink writes), it comes back from this rank's store or, over the transport,
/// from the owner rank's. A task's content is freed on every owner once its record is written.
/// </summary>
internal sealed class ContentGateway
{
    private readonly IContentStore _store;
    private readonly int _threshold;
    private readonly int _rank;
    private readonly IPeerTransport? _transport;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<string[]>> _pending = new();
    private long _requestIds;
    private long _offloadedBytes;
    private long _localFetches;
    private long _remoteFetches;

    public ContentGateway(IContentStore store, int thresholdBytes, int rank, IPeerTransport? transport)
    {
        _store = store;
        _threshold = thresholdBytes;
        _rank = rank;
        _transport = transport;
    }

    public long OffloadedBytes => Interlocked.Read(ref _offloadedBytes);

    public long LocalFetches => Interlocked.Read(ref _localFetches);

    public long RemoteFetches => Interlocked.Read(ref _remoteFetches);

    /// <summary>
    /// Moves large content and reasoning not yet offloaded into the store, and drops fetched copies. Reasoning is
    /// offloaded like content: a thinking model's trace is often longer than its answer, and only the sink reads it.
    /// </summary>
    public async ValueTask OffloadAsync(Orchestrator task, CancellationToken cancellationToken)
    {
        var history = task.History;
        for (var i = 0; i < history.Count; i++)
        {
            var turn = history[i];
            if (turn.Content is null && turn.Reasoning is null)
            {
                continue;
            }

            var offloaded = turn;
            if (turn.Content is { } content)
            {
                offloaded = turn.Ref is not null
                    ? offloaded with { Content = null }
                    : await PutAsync(task, content, cancellationToken).ConfigureAwait(false) is { } reference
                        ? offloaded with { Content = null, Ref = reference }
                        : offloaded;
            }

            if (turn.Reasoning is { } reasoning)
            {
                offloaded = turn.ReasoningRef is not null
                    ? offloaded with { Reasoning = null }
                    : await PutAsync(task, reasoning, cancellationToken).ConfigureAwait(false) is { } reference
                        ? offloaded with { Reasoning = null, ReasoningRef = reference }
                        : offloaded;
            }

            if (!ReferenceEquals(offloaded, turn))
            {
                task.ReplaceTurn(i, offloaded);
            }
        }
    }

    /// <summary>
    /// Brings every offloaded content of the task back into its turns: this rank's from its store, every
    /// other owner's in one request per owner. Reasoning comes back only with <paramref name="withReasoning"/>
    /// (for the sink): no agent puts reasoning in a prompt.
    /// </summary>
    public async ValueTask HydrateAsync(Orchestrator task, bool withReasoning, CancellationToken cancellationToken)
    {
        var history = task.History;
        Dictionary<int, List<(int Turn, bool Reasoning)>>? remote = null;
        for (var i = 0; i < history.Count; i++)
        {
            var turn = history[i];
            if (turn is { Ref: { } reference, Content: null })
            {
                if (reference.OwnerRank == _rank)
                {
                    task.ReplaceTurn(i, history[i] with { Content = await GetLocalAsync(reference, cancellationToken).ConfigureAwait(false) });
                }
                else
                {
                    remote ??= [];
                    (remote.TryGetValue(reference.OwnerRank, out var wanted) ? wanted : remote[reference.OwnerRank] = []).Add((i, false));
                }
            }

            if (withReasoning && turn is { ReasoningRef: { } reasoningRef, Reasoning: null })
            {
                if (reasoningRef.OwnerRank == _rank)
                {
                    task.ReplaceTurn(i, history[i] with { Reasoning = await GetLocalAsync(reasoningRef, cancellationToken).ConfigureAwait(false) });
                }
                else
                {
                    remote ??= [];
                    (remote.TryGetValue(reasoningRef.OwnerRank, out var wanted) ? wanted : remote[reasoningRef.OwnerRank] = []).Add((i, true));
                }
            }
        }

        if (remote is null)
        {
            return;
        }

        foreach (var (owner, wanted) in remote)
        {
            var references = wanted.Select(w => w.Reasoning ? history[w.Turn].ReasoningRef!.Value : history[w.Turn].Ref!.Value).ToArray();
            var contents = await FetchRemoteAsync(owner, references, cancellationToken).ConfigureAwait(false);
            for (var j = 0; j < wanted.Count; j++)
            {
                var (index, reasoning) = wanted[j];
                task.ReplaceTurn(index, reasoning ? history[index] with { Reasoning = contents[j] } : history[index] with { Content = contents[j] });
            }
        }
    }

    /// <summary>Frees the task's content on every rank that holds some (its record is written).</summary>
    public async ValueTask FreeAsync(Orchestrator task, CancellationToken cancellationToken)
    {
        var owners = task.History
            .SelectMany(t => (ContentRef?[])[t.Ref, t.ReasoningRef])
            .Where(r => r is not null)
            .Select(r => r!.Value.OwnerRank)
            .Distinct()
            .ToList();
        foreach (var owner in owners)
        {
            if (owner == _rank)
            {
                await _store.FreeAsync(task.Id, cancellationToken).ConfigureAwait(false);
            }
            else if (_transport is not null)
            {
                await _transport.SendAsync(owner, PeerProtocol.EncodeContentFree(task.Id), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Handles a content message from a peer, on the transport's thread: never blocks.</summary>
    public void OnPeerMessage(int from, ReadOnlySpan<byte> message)
    {
        switch (PeerProtocol.KindOf(message))
        {
            case PeerMessageKind.ContentRequest:
                var id = PeerProtocol.RequestIdOf(message);
                var references = PeerProtocol.DecodeContentRequest(message, _rank);

                // The store may block on a full log: answer from the thread pool, never on the transport's thread.
                _ = Task.Run(() => AnswerAsync(from, id, references));
                break;
            case PeerMessageKind.ContentReply:
                var (contents, error) = PeerProtocol.DecodeContentReply(message);
                var requestId = PeerProtocol.RequestIdOf(message);
                if (_pending.TryRemove(requestId, out var waiter))
                {
                    if (contents is not null)
                    {
                        waiter.TrySetResult(contents);
                    }
                    else
                    {
                        waiter.TrySetException(new KeyNotFoundException($"rank {from} could not answer content request {requestId}: {error}"));
                    }
                }

                break;
            case PeerMessageKind.ContentFree:
                var taskId = PeerProtocol.DecodeContentFree(message);
                _ = Task.Run(() => FreeQuietlyAsync(taskId));
                break;
        }
    }

    /// <summary>Stores <paramref name="text"/> when it is above the threshold; null when it stays in the turn.</summary>
    private async ValueTask<ContentRef?> PutAsync(Orchestrator task, string text, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (_threshold <= 0 || bytes <= _threshold)
        {
            return null;
        }

        var reference = await _store.PutAsync(task.Id, text, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _offloadedBytes, bytes);
        return reference;
    }

    private ValueTask<string> GetLocalAsync(ContentRef reference, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _localFetches);
        return _store.GetAsync(reference, cancellationToken);
    }

    private async Task<string[]> FetchRemoteAsync(int owner, ContentRef[] references, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _remoteFetches, references.Length);
        var id = Interlocked.Increment(ref _requestIds);
        var waiter = new TaskCompletionSource<string[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = waiter;
        await _transport!.SendAsync(owner, PeerProtocol.EncodeContentRequest(id, references), cancellationToken).ConfigureAwait(false);
        return await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Answers a peer's request from this rank's store, off the transport's thread.</summary>
    private async Task AnswerAsync(int to, long id, ContentRef[] references)
    {
        byte[] reply;
        try
        {
            var contents = new string[references.Length];
            for (var i = 0; i < references.Length; i++)
            {
                contents[i] = await _store.GetAsync(references[i]).ConfigureAwait(false);
            }

            reply = PeerProtocol.EncodeContentReply(id, contents);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever went wrong, the asking rank gets an answer: without one its task would wait forever and
            // hold its home rank's permit, so the job would never end.
            reply = PeerProtocol.EncodeContentError(id, $"{e.GetType().Name}: {e.Message}");
        }

        await _transport!.SendAsync(to, reply).ConfigureAwait(false);
    }

    private async Task FreeQuietlyAsync(string taskId)
    {
        try
        {
            await _store.FreeAsync(taskId).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // A free that races the end of the run only leaves content that the store deletes at dispose.
        }
    }
}
