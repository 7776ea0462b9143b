using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Matrix.Mpi.Native;

namespace Matrix.Mpi.Ranks;

/// <summary>
/// The ranks of an srun/mpiexec job, through the system MPI library (MPI_COMM_WORLD).
/// <para>
/// MPI calls block, so one dedicated thread makes every call (MPI_Init_thread, the collectives in the
/// order they were asked for, MPI_Finalize): collectives never run concurrently and never block the
/// thread pool. The tasks complete when the call returns. A cancellation token only stops the caller
/// waiting: the collective is already queued and still runs, because every rank must make the same
/// calls in the same order. A rank that cannot go on after the ranks diverged calls <see cref="Abort"/>.
/// </para>
/// </summary>
public sealed class MpiRankExchange : IRankExchange
{
    private const string NoLibrary = "no MPI library (libmpi.so.40 or libmpich.so.12) was found: apt-get install openmpi-bin";

    private static readonly Lock InitLock = new();
    private static bool s_initialized;

    private readonly MpiLibrary _mpi;
    private readonly BlockingCollection<Action> _queue = new();
    private readonly Lock _queueLock = new();
    private readonly Thread _thread;
    private bool _closed;

    private MpiRankExchange(MpiLibrary mpi)
    {
        _mpi = mpi;
        _thread = new Thread(Run) { IsBackground = true, Name = "MPI" };
        _thread.Start();
    }

    public int Rank { get; private set; }

    public int Size { get; private set; } = 1;

    /// <summary>The first line of MPI_Get_library_version, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, ...".</summary>
    public string LibraryVersion { get; private set; } = "";

    /// <summary>The shared library that was loaded (libmpi.so.40, libmpich.so.12, ...).</summary>
    public string LibraryFile => _mpi.Name;

    /// <summary>The thread level MPI_Init_thread provided (3 = MPI_THREAD_MULTIPLE was asked for).</summary>
    public int ThreadLevel { get; private set; }

    /// <summary>
    /// Loads the system MPI library and initializes MPI. Once per process: MPI cannot be initialized
    /// again, not even after <see cref="Dispose"/> finalized it. Dispose before the process exits:
    /// mpiexec and srun treat a rank that exits without MPI_Finalize as failed.
    /// </summary>
    /// <exception cref="MpiException">No MPI library is installed, or an MPI call failed.</exception>
    public static MpiRankExchange Initialize() =>
        Initialize(MpiLibrary.TryLoad(MpiLibrary.DefaultNames) ?? throw new MpiException(NoLibrary));

    internal static MpiRankExchange Initialize(MpiLibrary mpi)
    {
        ArgumentNullException.ThrowIfNull(mpi);
        lock (InitLock)
        {
            if (s_initialized)
            {
                throw new InvalidOperationException("MPI was already initialized in this process: it can be initialized once per process");
            }

            s_initialized = true;
        }

        var exchange = new MpiRankExchange(mpi);
        try
        {
            exchange.Enqueue(exchange.Start).GetAwaiter().GetResult();
        }
        catch
        {
            exchange.StopWorker();
            throw;
        }

        return exchange;
    }

    public Task<byte[][]> AllgatherAsync(ReadOnlyMemory<byte> mine, CancellationToken cancellationToken = default)
    {
        // Copied now: the call runs later on the MPI thread and the caller may reuse its buffer.
        var copy = mine.ToArray();
        return Enqueue(() => Allgather(copy)).WaitAsync(cancellationToken);
    }

    public Task BarrierAsync(CancellationToken cancellationToken = default) =>
        Enqueue(() =>
        {
            _mpi.Barrier();
            return true;
        }).WaitAsync(cancellationToken);

    /// <summary>
    /// Ends every rank of the job with <paramref name="errorCode"/> (MPI_Abort on MPI_COMM_WORLD), for a
    /// fatal error after which the ranks can no longer make the same collective calls. Called on the
    /// calling thread, even while a collective blocks the MPI thread.
    /// </summary>
    [DoesNotReturn]
    public void Abort(int errorCode)
    {
        _mpi.Abort(errorCode);
        Environment.Exit(errorCode); // only if the library failed to end the process
    }

    /// <summary>MPI_Finalize, after every collective queued before it; once.</summary>
    public void Dispose()
    {
        Task finalized;
        lock (_queueLock)
        {
            if (_closed)
            {
                return;
            }

            finalized = EnqueueLocked(() =>
            {
                _mpi.FinalizeMpi();
                return true;
            });
            _closed = true;
            _queue.CompleteAdding();
        }

        _thread.Join();
        _queue.Dispose();
        finalized.GetAwaiter().GetResult();
    }

    private bool Start()
    {
        if (_mpi.IsFinalized())
        {
            throw new MpiException("MPI was already finalized in this process: it cannot be initialized again");
        }

        if (_mpi.IsInitialized())
        {
            throw new MpiException("MPI was already initialized in this process by other code");
        }

        ThreadLevel = _mpi.InitThread(MpiLibrary.ThreadMultiple);
        try
        {
            // Every call is made on this one thread, so FUNNELED would do; both libraries grant MULTIPLE.
            if (ThreadLevel < MpiLibrary.ThreadFunneled)
            {
                throw new MpiException($"MPI_Init_thread provided thread level {ThreadLevel}: at least MPI_THREAD_FUNNELED (1) is needed");
            }

            Rank = _mpi.CommRank();
            Size = _mpi.CommSize();
            LibraryVersion = FirstLine(_mpi.LibraryVersion());
        }
        catch (MpiException failure)
        {
            try
            {
                _mpi.FinalizeMpi();
            }
            catch (MpiException finalizeFailure)
            {
                throw new MpiException($"{failure.Message}; then {finalizeFailure.Message}", failure);
            }

            throw;
        }

        return true;
    }

    private byte[][] Allgather(byte[] mine)
    {
        // Contributions may differ in length: first every rank's length, then fixed slots of the longest.
        var length = new byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(length, mine.Length);
        var lengthSlots = new byte[sizeof(int) * Size];
        _mpi.AllgatherBytes(length, sizeof(int), lengthSlots);

        var lengths = new int[Size];
        var longest = 0;
        for (var r = 0; r < Size; r++)
        {
            lengths[r] = BinaryPrimitives.ReadInt32LittleEndian(lengthSlots.AsSpan(r * sizeof(int)));
            if (lengths[r] < 0)
            {
                throw new MpiException($"MPI_Allgather: rank {r} announced a negative length {lengths[r]}");
            }

            longest = Math.Max(longest, lengths[r]);
        }

        var result = new byte[Size][];
        if (longest == 0)
        {
            Array.Fill(result, []);
            return result;
        }

        // Every rank sees the same lengths, so every rank takes the same branch here.
        var total = (long)longest * Size;
        if (total > Array.MaxLength)
        {
            throw new MpiException($"MPI_Allgather: {Size} slots of {longest} bytes do not fit in one buffer");
        }

        var send = mine;
        if (mine.Length != longest)
        {
            send = new byte[longest];
            mine.CopyTo(send, 0);
        }

        var slots = GC.AllocateUninitializedArray<byte>((int)total);
        _mpi.AllgatherBytes(send, longest, slots);
        for (var r = 0; r < Size; r++)
        {
            result[r] = slots.AsSpan(r * longest, lengths[r]).ToArray();
        }

        return result;
    }

    private Task<T> Enqueue<T>(Func<T> call)
    {
        lock (_queueLock)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            return EnqueueLocked(call);
        }
    }

    private Task<T> EnqueueLocked<T>(Func<T> call)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add(() =>
        {
            try
            {
                done.SetResult(call());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    private void Run()
    {
        foreach (var work in _queue.GetConsumingEnumerable())
        {
            work();
        }
    }

    private void StopWorker()
    {
        lock (_queueLock)
        {
            _closed = true;
            _queue.CompleteAdding();
        }

        _thread.Join();
        _queue.Dispose();
    }

    /// <summary>The first line, with runs of blanks (MPICH pads with tabs) made one space.</summary>
    private static string FirstLine(string text)
    {
        var end = text.AsSpan().IndexOfAny('\r', '\n');
        var line = end >= 0 ? text[..end] : text;
        return string.Join(' ', line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
    }
}
