namespace Matrix.Mpi.Ranks;

/// <summary>
/// Several ranks inside one process (tests, and trying multi-rank behaviour without a launcher): each
/// <see cref="Create"/>d member is one rank; collectives complete when every member has called them.
/// </summary>
public sealed class LocalRankExchange : IRankExchange
{
    private readonly Group _group;

    private LocalRankExchange(Group group, int rank)
    {
        _group = group;
        Rank = rank;
    }

    public int Rank { get; }

    public int Size => _group.Size;

    /// <summary>Creates the <paramref name="size"/> members of one in-process job.</summary>
    public static IReadOnlyList<LocalRankExchange> Create(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var group = new Group(size);
        return [.. Enumerable.Range(0, size).Select(r => new LocalRankExchange(group, r))];
    }

    public Task<byte[][]> AllgatherAsync(ReadOnlyMemory<byte> mine, CancellationToken cancellationToken = default) =>
        _group.ArriveAsync(Rank, mine.ToArray(), cancellationToken);

    public Task BarrierAsync(CancellationToken cancellationToken = default) =>
        _group.ArriveAsync(Rank, [], cancellationToken);

    public void Dispose()
    {
    }

    /// <summary>One round of a collective at a time; the last rank to arrive completes it for all.</summary>
    private sealed class Group(int size)
    {
        private readonly Lock _lock = new();
        private byte[][] _slots = new byte[size][];
        private int _arrived;
        private TaskCompletionSource<byte[][]> _round = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Size { get; } = size;

        public Task<byte[][]> ArriveAsync(int rank, byte[] data, CancellationToken cancellationToken)
        {
            Task<byte[][]> round;
            lock (_lock)
            {
                _slots[rank] = data;
                round = _round.Task;
                if (++_arrived == Size)
                {
                    var done = _round;
                    var slots = _slots;
                    _slots = new byte[Size][];
                    _arrived = 0;
                    _round = new TaskCompletionSource<byte[][]>(TaskCreationOptions.RunContinuationsAsynchronously);
                    done.SetResult(slots);
                }
            }

            return round.WaitAsync(cancellationToken);
        }
    }
}
