using System.Threading.Tasks.Dataflow;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Transport;

namespace Matrix.Engine.Runtime;

/// <summary>The cross-rank half of <see cref="RankEngine"/>: sending, receiving and progress gossip.</summary>
public sealed partial class RankEngine
{
    /// <summary>Orchestrators and bytes exchanged with each peer rank so far.</summary>
    public IReadOnlyList<PeerExchange> PeerExchanges() =>
        [.. Enumerable.Range(0, _size).Where(r => r != _rank).Select(r => new PeerExchange(r, _peers[r].Sent, _peers[r].BytesSent, _peers[r].Received, _peers[r].BytesReceived))];

    /// <summary>Offloading counters: content bytes put in the store, fetches from this rank's store and from peers.</summary>
    public (long OffloadedBytes, long LocalFetches, long RemoteFetches) ContentCounters =>
        _content is null ? default : (_content.OffloadedBytes, _content.LocalFetches, _content.RemoteFetches);

    /// <summary>Messages from peers that could not be decoded (a bug or a version mismatch, never an attack: those are dropped by the transport).</summary>
    public long DecodeErrors => Interlocked.Read(ref _decodeErrors);

    private async Task SendToPeerAsync(int rank, string role, Orchestrator task)
    {
        byte[] message;
        try
        {
            message = _codec!.Encode(task, role, Volatile.Read(ref _queuedSteps));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The task cannot leave this rank: fail it, with only what always serializes, at its home sink.
            var failed = new Orchestrator(task.Id, task.Trial, task.Seed, task.RowIndex, task.Id)
            {
                HomeRank = task.HomeRank,
                Hops = task.Hops,
                AdmittedAt = task.AdmittedAt,
                DispatchedAt = task.DispatchedAt,
                QueuedNanoseconds = task.QueuedNanoseconds,
            };
            failed.Restore(task.History, task.PromptTokens, task.CompletionTokens);
            failed.Finish(TaskOutcome.Failed, "serialization_error", e.Message);
            if (failed.HomeRank == _rank)
            {
                await SendLocalAsync(_stage.Block, failed).ConfigureAwait(false);
                return;
            }

            task = failed;
            role = SinkRole;
            rank = failed.HomeRank;
            message = _codec!.Encode(failed, role, Volatile.Read(ref _queuedSteps));
        }

        _peers[rank].OnSent(message.Length);
        await _transport!.SendAsync(rank, message).ConfigureAwait(false);
    }

    /// <summary>Runs on the transport's thread: decode and post, never block.</summary>
    private void OnPeerMessage(int from, ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty || from < 0 || from >= _size)
        {
            Interlocked.Increment(ref _decodeErrors);
            return;
        }

        try
        {
            switch (PeerProtocol.KindOf(message))
            {
                case PeerMessageKind.Orchestrator:
                    var (task, role, load) = _codec!.Decode(message);
                    _peers[from].OnReceived(message.Length, load);
                    Deliver(role, task);
                    break;
                case PeerMessageKind.Progress:
                    _peerProgress[from] = PeerProtocol.DecodeProgress(message);
                    break;
                case PeerMessageKind.ContentRequest or PeerMessageKind.ContentReply or PeerMessageKind.ContentFree when _content is not null:
                    _content.OnPeerMessage(from, message);
                    break;
                default:
                    Interlocked.Increment(ref _decodeErrors);
                    break;
            }
        }
        catch (Exception e) when (e is InvalidDataException or MemoryPack.MemoryPackSerializationException or ArgumentException)
        {
            Interlocked.Increment(ref _decodeErrors);
        }
    }

    private void Deliver(string role, Orchestrator task)
    {
        var target = role == SinkRole ? _stage.Block : _roles.GetValueOrDefault(role);
        if (target is null)
        {
            // A peer sent a role this rank does not host: placement differs between ranks. Send it home failed.
            task.Error = $"rank {_rank} does not host role '{role}'";
            _ = DispatchAsync(task, Route.Fail("routing_error"));
            return;
        }

        if (target != _stage.Block)
        {
            Interlocked.Increment(ref _queuedSteps);
        }

        // Blocks hold the job's total concurrency, so a post cannot find them full; if it ever does,
        // hand off without blocking the transport's thread.
        if (!target.Post(task))
        {
            _ = target.SendAsync(task);
        }
    }

    private async Task ReportProgressAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _options.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await _transport!.SendAsync(0, PeerProtocol.EncodeProgress(Snapshot()), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }

        await _transport!.SendAsync(0, PeerProtocol.EncodeProgress(Snapshot()), CancellationToken.None).ConfigureAwait(false);
    }
}
