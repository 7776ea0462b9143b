using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using FASTER.core;
using Matrix.Engine.Store;
using ContentSession = FASTER.core.ClientSession<long, FASTER.core.SpanByte, FASTER.core.SpanByte, Matrix.Store.Content.ContentOutput, FASTER.core.Empty, Matrix.Store.Content.ContentFunctions>;

namespace Matrix.Store.Content;

/// <summary>
/// One rank's store for message content kept out of the orchestrator: a
/// <c>FasterKV&lt;long, SpanByte&gt;</c> whose values are the content's UTF-8 bytes, stored inline in the
/// hybrid log so memory is bounded by <see cref="ContentStoreOptions.MemoryBytes"/> and older content
/// spills to files in <see cref="ContentStoreOptions.Directory"/>.
/// </summary>
/// <remarks>
/// <para>
/// Keys come from an <see cref="Interlocked"/> counter that starts at a random offset, so a ref left over
/// from an earlier store (a previous run) is not found rather than naming other content. A content
/// larger than a quarter page is stored as consecutive keys (chunks); the ref's length says how many.
/// </para>
/// <para>
/// Thread-safety: every method may be called concurrently. A FASTER session is single-threaded, so each
/// operation takes a session from a pool, uses it alone (across awaits too: FASTER 2 sessions are not
/// tied to a thread) and puts it back. A session whose operation threw is dropped. Reads that go to disk
/// are completed with <c>CompletePendingWithOutputsAsync</c>; that wait is not cancelled (it is one local
/// disk read), so cancellation is observed when an operation starts and while a write waits for the gate.
/// </para>
/// <para>
/// Write gate: when the in-memory log is full, FASTER's <c>Upsert</c>/<c>Delete</c> spin on the calling
/// thread until older pages are flushed, and the flush itself runs on the thread pool. With every pool
/// thread spinning, the flush waits for the pool to add a thread (about two a second): measured here, a
/// put rate of a few per second. So at most <c>ProcessorCount - 1</c> (at least 1) writes are inside
/// FASTER at once; others wait asynchronously. Reads do not allocate in the log and are not gated.
/// </para>
/// <para>
/// Disk: freed content is deleted from the index at once; its disk space is given back a log file
/// (<see cref="ContentStoreOptions.SegmentBytes"/>) at a time, once every content in that file has been
/// freed (the begin address moves up to the oldest live content). A task that lives long keeps the files
/// after its content; FASTER's log compaction would be the next step if that matters.
/// </para>
/// </remarks>
public sealed class FasterContentStore : IContentStore
{
    /// <summary>The smallest <see cref="ContentStoreOptions.MemoryBytes"/> accepted.</summary>
    public const long MinMemoryBytes = 64L << 10;

    /// <summary>The smallest <see cref="ContentStoreOptions.PageBytes"/> accepted.</summary>
    public const long MinPageBytes = 4L << 10;

    private const long MaxDefaultPageBytes = 4L << 20;
    private const int MinIndexBuckets = 64;
    private const string LogFileName = "content.log";
    private const string LockFileName = "content.lock";

    // The begin address of an empty FASTER log.
    private const long FirstAddress = 64;

    // Frees between two looks for disk space to give back (each look visits every live task).
    private const int ReclaimEveryFrees = 64;

    private readonly ContentStoreOptions _options;
    private int _spillLogged;
    private readonly int _rank;
    private readonly int _chunkBytes;
    private readonly long _segmentBytes;
    private readonly FileStream _lockFile;
    private readonly IDevice _device;
    private readonly FasterKV<long, SpanByte> _store;
    private readonly ContentFunctions _functions = new();
    private readonly ConcurrentBag<ContentSession> _sessions = [];
    private readonly ConcurrentDictionary<string, TaskContent> _tasks = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Admits at most (processors - 1) writers into FASTER at once; see the class remarks.
    private readonly SemaphoreSlim _writeGate = new(Math.Max(1, Environment.ProcessorCount - 1));

    private long _lastKey;
    private long _puts;
    private long _gets;
    private long _frees;
    private long _bytesStored;
    private long _bytesPut;
    private long _liveEntries;
    private long _diskReads;
    private int _freesSinceReclaim;
    private int _firstSegment;
    private int _reclaiming;
    private int _active;
    private int _disposed;

    private FasterContentStore(ContentStoreOptions options, long memoryBytes, long pageBytes, long segmentBytes, long indexBuckets)
    {
        _options = options;
        _rank = options.Rank;
        _chunkBytes = (int)(pageBytes / 4);
        _segmentBytes = segmentBytes;
        _lastKey = Random.Shared.NextInt64(1L << 40, 1L << 62);

        System.IO.Directory.CreateDirectory(options.Directory);
        _lockFile = OpenLockFile(options.Directory);
        try
        {
            // The store does not recover: log files left by an earlier store (a crash, or KeepFiles) are stale.
            foreach (var stale in System.IO.Directory.EnumerateFiles(options.Directory, LogFileName + ".*"))
            {
                File.Delete(stale);
            }

            // Buffered I/O: a read of recently spilled content is served from the OS page cache.
            _device = Devices.CreateLogDevice(
                Path.Combine(options.Directory, LogFileName),
                preallocateFile: false,
                deleteOnClose: false,
                disableFileBuffering: false);
            try
            {
                _store = new FasterKV<long, SpanByte>(new FasterKVSettings<long, SpanByte>
                {
                    LogDevice = _device,
                    MemorySize = memoryBytes,
                    PageSize = pageBytes,
                    SegmentSize = segmentBytes,
                    IndexSize = indexBuckets * 64,
                    ReadCopyOptions = ReadCopyOptions.None,
                });
            }
            catch
            {
                _device.Dispose();
                throw;
            }
        }
        catch
        {
            _lockFile.Dispose();
            throw;
        }
    }

    /// <summary>The store's directory.</summary>
    public string Directory => _options.Directory;

    /// <summary>The rank in every ref this store makes.</summary>
    public int Rank => _rank;

    /// <summary>Content longer than this many UTF-8 bytes is stored as several chunks.</summary>
    public int ChunkBytes => _chunkBytes;

    /// <summary>A snapshot of the counters and the log's size.</summary>
    public ContentStoreStatistics Statistics
    {
        get
        {
            var log = _store.Log;
            var begin = log.BeginAddress;
            var head = log.HeadAddress;
            return new ContentStoreStatistics(
                Puts: Volatile.Read(ref _puts),
                Gets: Volatile.Read(ref _gets),
                Frees: Volatile.Read(ref _frees),
                BytesStored: Volatile.Read(ref _bytesStored),
                BytesPut: Volatile.Read(ref _bytesPut),
                LiveEntries: Volatile.Read(ref _liveEntries),
                DiskReads: Volatile.Read(ref _diskReads),
                LogMemoryBytes: log.MemorySizeBytes,
                LogDiskBytes: Math.Max(0, head - begin),
                LogBytes: log.TailAddress - begin,
                ReclaimedBytes: begin - FirstAddress);
        }
    }

    /// <summary>Validates <paramref name="options"/>, creates the directory and opens an empty store in it.</summary>
    /// <exception cref="ArgumentException">An option is out of range (the exception names it).</exception>
    /// <exception cref="InvalidOperationException">Another store has the directory open.</exception>
    public static FasterContentStore Open(ContentStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Directory);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Rank);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MemoryBytes, MinMemoryBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.IndexBuckets, MinIndexBuckets);

        // FASTER takes the power of two at or below each size; validate what it will use.
        var memory = RoundDown(options.MemoryBytes);
        var page = RoundDown(options.PageBytes ?? Math.Clamp(memory / 16, MinPageBytes, MaxDefaultPageBytes));
        if (options.PageBytes is { } pageBytes)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(pageBytes, MinPageBytes, nameof(options.PageBytes));
        }

        if (page > memory / 2)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options.PageBytes),
                options.PageBytes,
                $"The log keeps at least two pages in memory: PageBytes ({page}, rounded down to a power of two) must be at most half of MemoryBytes ({memory}).");
        }

        var segment = RoundDown(options.SegmentBytes ?? memory);
        if (segment < page)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options.SegmentBytes),
                options.SegmentBytes,
                $"SegmentBytes ({segment}, rounded down to a power of two) must be at least PageBytes ({page}).");
        }

        return new FasterContentStore(options, memory, page, segment, RoundDown(options.IndexBuckets));
    }

    /// <summary>Stores <paramref name="content"/> for <paramref name="taskId"/> and returns its ref.</summary>
    /// <exception cref="InvalidOperationException">The task was freed while its content was being put (the content is deleted).</exception>
    public async ValueTask<ContentRef> PutAsync(string taskId, string content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        ArgumentNullException.ThrowIfNull(content);
        cancellationToken.ThrowIfCancellationRequested();
        Enter();
        try
        {
            var length = Encoding.UTF8.GetByteCount(content);
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                Encoding.UTF8.GetBytes(content, buffer);
                var chunks = ChunkCount(length);
                var firstKey = Interlocked.Add(ref _lastKey, chunks) - chunks + 1;

                // Registered before the write with the tail as a lower bound of its address, so that space
                // reclaim (which reads the head first, then every task) never passes a record being written.
                var item = new ContentItem(firstKey, chunks, length, _store.Log.TailAddress);
                var task = Register(taskId, item);
                Interlocked.Increment(ref _puts);
                Interlocked.Increment(ref _liveEntries);
                Interlocked.Add(ref _bytesStored, length);
                Interlocked.Add(ref _bytesPut, length);
                try
                {
                    await UpsertAsync(item, buffer, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    Unregister(task, item);
                    throw;
                }

                if (_store.Log.HeadAddress > FirstAddress && _options.Logger is { } logger && Interlocked.Exchange(ref _spillLogged, 1) == 0)
                {
                    logger.Spilling(_rank, _options.MemoryBytes >> 20, _options.Directory);
                }

                if (task.IsClosed)
                {
                    // Freed while being written: the free may have deleted the keys before they were written,
                    // so delete them again (the free has counted the item).
                    await DeleteAsync([item], CancellationToken.None).ConfigureAwait(false);
                    throw new InvalidOperationException($"The task was freed while content {item.FirstKey} was being put; the content is deleted.");
                }

                return new ContentRef(_rank, item.FirstKey, item.Length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Reads the content of <paramref name="reference"/>.</summary>
    /// <exception cref="InvalidOperationException">The ref belongs to another rank, or does not match what is stored under its key.</exception>
    /// <exception cref="KeyNotFoundException">The content was freed, or never put in this store.</exception>
    public async ValueTask<string> GetAsync(ContentRef reference, CancellationToken cancellationToken = default)
    {
        if (reference.OwnerRank != _rank)
        {
            throw new InvalidOperationException(
                $"Content {reference.Key} belongs to rank {reference.OwnerRank}, not to this store's rank {_rank}; fetch it from its owner.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(reference.Length, nameof(reference));
        cancellationToken.ThrowIfCancellationRequested();
        Enter();
        try
        {
            // One chunk is decoded straight from the log; several are copied into one buffer, then decoded.
            var chunks = ChunkCount(reference.Length);
            var bytes = chunks == 1 ? null : new byte[reference.Length];
            string? text = null;
            var missing = false;
            var mismatch = false;
            var pending = false;
            var session = RentSession();
            for (var i = 0; i < chunks; i++)
            {
                var key = reference.Key + i;
                var output = new ContentOutput { Destination = bytes, Offset = i * _chunkBytes };
                var status = session.Read(ref key, ref output);
                if (status.IsPending)
                {
                    pending = true;
                }
                else
                {
                    Check(i, status, output);
                }
            }

            if (pending)
            {
                // Every chunk's read was issued first; wait once for those that went to disk.
                using var completed = await session.CompletePendingWithOutputsAsync(waitForCommit: false, CancellationToken.None).ConfigureAwait(false);
                while (completed.Next())
                {
                    Check((int)(completed.Current.Key - reference.Key), completed.Current.Status, completed.Current.Output);
                }

                Interlocked.Increment(ref _diskReads);
            }

            ReturnSession(session);
            if (missing)
            {
                throw new KeyNotFoundException(
                    $"Content key {reference.Key} is not in rank {_rank}'s content store: it was freed, or never put in this store.");
            }

            if (mismatch)
            {
                throw new InvalidOperationException(
                    $"Content key {reference.Key} of rank {_rank} does not hold {reference.Length} bytes: the ref does not match the stored content.");
            }

            Interlocked.Increment(ref _gets);
            return text ?? Encoding.UTF8.GetString(bytes!);

            void Check(int chunk, Status status, ContentOutput output)
            {
                if (!status.Found)
                {
                    missing = true;
                }
                else if (output.Length != Math.Min(_chunkBytes, reference.Length - (chunk * _chunkBytes)))
                {
                    mismatch = true;
                }
                else
                {
                    text ??= output.Text;
                }
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>Deletes every content <paramref name="taskId"/> has put. Freeing a task with no content (again) does nothing.</summary>
    public async ValueTask FreeAsync(string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        cancellationToken.ThrowIfCancellationRequested();
        Enter();
        try
        {
            if (!_tasks.TryRemove(taskId, out var task))
            {
                return;
            }

            var items = task.Close();
            long bytes = 0;
            foreach (var item in items)
            {
                bytes += item.Length;
            }

            Interlocked.Add(ref _frees, items.Length);
            Interlocked.Add(ref _liveEntries, -items.Length);
            Interlocked.Add(ref _bytesStored, -bytes);

            // Not cancelled once the task is out of the map: its keys must go.
            await DeleteAsync(items, CancellationToken.None).ConfigureAwait(false);
            if (Interlocked.Increment(ref _freesSinceReclaim) >= ReclaimEveryFrees)
            {
                ReclaimDiskSpace();
            }
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Waits for operations in flight, then disposes the sessions, the store and the device,
    /// and deletes the directory unless <see cref="ContentStoreOptions.KeepFiles"/>. Later calls throw
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (Volatile.Read(ref _active) != 0)
        {
            await _drained.Task.ConfigureAwait(false);
        }

        while (_sessions.TryTake(out var session))
        {
            session.Dispose();
        }

        _store.Dispose();
        _device.Dispose();
        _writeGate.Dispose();
        await _lockFile.DisposeAsync().ConfigureAwait(false);
        if (!_options.KeepFiles)
        {
            System.IO.Directory.Delete(_options.Directory, recursive: true);
        }
    }

    /// <summary>
    /// Moves the log's begin address up to the oldest live content (rounded down to a log file) and deletes
    /// the files below it. Runs every <see cref="ReclaimEveryFrees"/> frees, on the freeing caller; one at a
    /// time. Returns the begin address.
    /// </summary>
    internal long ReclaimDiskSpace()
    {
        var log = _store.Log;
        if (Interlocked.Exchange(ref _reclaiming, 1) != 0)
        {
            return log.BeginAddress;
        }

        try
        {
            Volatile.Write(ref _freesSinceReclaim, 0);

            // Head first: a put registered after its task is visited below writes at or above today's tail.
            // Below the head the log is on disk, so the shift never waits for a flush.
            var limit = log.HeadAddress;
            foreach (var task in _tasks.Values)
            {
                limit = Math.Min(limit, task.MinFloor());
            }

            var target = limit - (limit % _segmentBytes);
            if (target > log.BeginAddress)
            {
                // Not truncateLog: FASTER 2.6.5 deletes the files on a Task.Run of its own that nothing
                // awaits, which can outlive Dispose and spins on the epoch while other threads hold it.
                log.ShiftBeginAddress(target, truncateLog: false);
            }

            // Delete, here and now, the files wholly below the begin address.
            var below = (int)(log.BeginAddress / _segmentBytes);
            for (; _firstSegment < below; _firstSegment++)
            {
                _device.RemoveSegment(_firstSegment);
            }

            return log.BeginAddress;
        }
        finally
        {
            Volatile.Write(ref _reclaiming, 0);
        }
    }

    private static long RoundDown(long value) => value <= 0 ? 0 : 1L << BitOperations.Log2((ulong)value);

    private static FileStream OpenLockFile(string directory)
    {
        try
        {
            return new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"Another content store has '{directory}' open.", e);
        }
    }

    private int ChunkCount(int length) => length == 0 ? 1 : (int)(((long)length + _chunkBytes - 1) / _chunkBytes);

    private void Enter()
    {
        Interlocked.Increment(ref _active);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Exit();
            throw new ObjectDisposedException(nameof(FasterContentStore));
        }
    }

    private void Exit()
    {
        if (Interlocked.Decrement(ref _active) == 0 && Volatile.Read(ref _disposed) != 0)
        {
            _drained.TrySetResult();
        }
    }

    private ContentSession RentSession() =>
        _sessions.TryTake(out var session) ? session : _store.For(_functions).NewSession(_functions);

    private void ReturnSession(ContentSession session) => _sessions.Add(session);

    private TaskContent Register(string taskId, ContentItem item)
    {
        while (true)
        {
            var task = _tasks.GetOrAdd(taskId, static _ => new TaskContent());
            if (task.TryAdd(item))
            {
                return task;
            }

            // Closed by a free that has already removed it from the map: start the task afresh.
            _tasks.TryRemove(new KeyValuePair<string, TaskContent>(taskId, task));
        }
    }

    private void Unregister(TaskContent task, ContentItem item)
    {
        // If a free took the item meanwhile, it has counted it freed and deleted its keys.
        if (task.TryRemove(item))
        {
            Interlocked.Decrement(ref _puts);
            Interlocked.Decrement(ref _liveEntries);
            Interlocked.Add(ref _bytesStored, -item.Length);
            Interlocked.Add(ref _bytesPut, -item.Length);
        }
    }

    private async ValueTask UpsertAsync(ContentItem item, byte[] buffer, CancellationToken cancellationToken)
    {
        // A SpanByte points at pinned bytes; kept pinned until a pending upsert has completed.
        var pin = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        try
        {
            if (!_writeGate.Wait(0, CancellationToken.None))
            {
                await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            ContentSession session;
            var pending = false;
            try
            {
                session = RentSession();
                var address = pin.AddrOfPinnedObject();
                for (var i = 0; i < item.Chunks; i++)
                {
                    var key = item.FirstKey + i;
                    var offset = i * _chunkBytes;
                    var value = new SpanByte(Math.Min(_chunkBytes, item.Length - offset), address + offset);
                    pending |= session.Upsert(ref key, ref value).IsPending;
                }
            }
            finally
            {
                _writeGate.Release();
            }

            if (pending)
            {
                await session.CompletePendingAsync(waitForCommit: false, CancellationToken.None).ConfigureAwait(false);
            }

            ReturnSession(session);
        }
        finally
        {
            pin.Free();
        }
    }

    private async ValueTask DeleteAsync(ContentItem[] items, CancellationToken cancellationToken)
    {
        if (!_writeGate.Wait(0, CancellationToken.None))
        {
            await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        ContentSession session;
        var pending = false;
        try
        {
            session = RentSession();
            foreach (var item in items)
            {
                for (var i = 0; i < item.Chunks; i++)
                {
                    var key = item.FirstKey + i;
                    pending |= session.Delete(ref key).IsPending;
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }

        if (pending)
        {
            await session.CompletePendingAsync(waitForCommit: false, CancellationToken.None).ConfigureAwait(false);
        }

        ReturnSession(session);
    }
}
