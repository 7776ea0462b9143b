using System.Runtime.InteropServices;
using System.Text;
using Matrix.Mpi.Ranks;

namespace Matrix.Mpi.Native;

/// <summary>The two MPI ABIs in use: their handles (communicators, datatypes) have different types.</summary>
internal enum MpiFlavor
{
    /// <summary>Open MPI (<c>libmpi.so.40</c>): a handle is the address of a global object such as <c>ompi_mpi_comm_world</c>.</summary>
    OpenMpi,

    /// <summary>MPICH and its ABI relatives (<c>libmpich.so.12</c>, <c>libmpi.so.12</c>): a handle is a 32-bit integer.</summary>
    Mpich,
}

/// <summary>
/// The system MPI library, loaded at run time (no MPI.NET, no link-time dependency): the few calls the
/// rank exchange needs, each checked against MPI_SUCCESS. Not thread-safe by itself: the caller
/// (<see cref="MpiRankExchange"/>) makes every call but <see cref="Abort"/> from one thread.
/// </summary>
internal abstract class MpiLibrary
{
    /// <summary>The sonames tried, in order, when nothing says which MPI launched the process.</summary>
    public static readonly IReadOnlyList<string> DefaultNames = ["libmpi.so.40", "libmpich.so.12", "libmpi.so.12"];

    public const int Success = 0;
    public const int ThreadSingle = 0;
    public const int ThreadFunneled = 1;
    public const int ThreadSerialized = 2;
    public const int ThreadMultiple = 3;

    // MPI_MAX_LIBRARY_VERSION_STRING is 256 in Open MPI and 8192 in MPICH; MPI_MAX_ERROR_STRING 256 and 1024.
    private const int VersionBufferLength = 8192;
    private const int ErrorBufferLength = 1024;

    private readonly InitThreadFn _initThread;
    private readonly FlagFn _initialized;
    private readonly FlagFn _finalized;
    private readonly NoArgFn _finalize;
    private readonly StringFn _libraryVersion;
    private readonly ErrorStringFn _errorString;

    protected MpiLibrary(nint handle, string name)
    {
        Handle = handle;
        Name = name;
        _initThread = Function<InitThreadFn>("MPI_Init_thread");
        _initialized = Function<FlagFn>("MPI_Initialized");
        _finalized = Function<FlagFn>("MPI_Finalized");
        _finalize = Function<NoArgFn>("MPI_Finalize");
        _libraryVersion = Function<StringFn>("MPI_Get_library_version");
        _errorString = Function<ErrorStringFn>("MPI_Error_string");
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int InitThreadFn(nint argc, nint argv, int required, out int provided);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int FlagFn(out int flag);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int NoArgFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int StringFn(nint buffer, out int length);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int ErrorStringFn(int errorCode, nint buffer, out int length);

    /// <summary>The soname that was loaded (<c>libmpi.so.40</c>, ...).</summary>
    public string Name { get; }

    public abstract MpiFlavor Flavor { get; }

    protected nint Handle { get; }

    /// <summary>
    /// Loads the first of <paramref name="names"/> that the dynamic linker finds and tells its ABI apart
    /// by the Open MPI export <c>ompi_mpi_comm_world</c>; null when none is installed. The library
    /// stays loaded for the life of the process (MPI libraries must not be unloaded).
    /// </summary>
    public static MpiLibrary? TryLoad(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
        {
            if (!NativeLibrary.TryLoad(name, out var handle))
            {
                continue;
            }

            return NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out var world)
                ? new OpenMpiLibrary(handle, name, world)
                : new MpichLibrary(handle, name);
        }

        return null;
    }

    /// <summary>MPI_Init_thread without arguments; returns the thread level the library provides.</summary>
    public int InitThread(int required)
    {
        Check(_initThread(0, 0, required, out var provided), "MPI_Init_thread");
        return provided;
    }

    public bool IsInitialized()
    {
        Check(_initialized(out var flag), "MPI_Initialized");
        return flag != 0;
    }

    public bool IsFinalized()
    {
        Check(_finalized(out var flag), "MPI_Finalized");
        return flag != 0;
    }

    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");

    /// <summary>The whole MPI_Get_library_version text (several lines in MPICH).</summary>
    public string LibraryVersion()
    {
        var buffer = new byte[VersionBufferLength];
        var pin = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        try
        {
            Check(_libraryVersion(pin.AddrOfPinnedObject(), out var length), "MPI_Get_library_version");
            return Text(buffer, length);
        }
        finally
        {
            pin.Free();
        }
    }

    public int CommRank()
    {
        Check(CommRankCore(out var rank), "MPI_Comm_rank");
        return rank;
    }

    public int CommSize()
    {
        Check(CommSizeCore(out var size), "MPI_Comm_size");
        return size;
    }

    /// <summary>
    /// MPI_Allgather of <paramref name="count"/> bytes per rank on MPI_COMM_WORLD: <paramref name="receive"/>
    /// gets rank r's bytes at offset r * count.
    /// </summary>
    public void AllgatherBytes(byte[] send, int count, byte[] receive)
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(receive);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(send.Length, count);
        var sendPin = GCHandle.Alloc(send, GCHandleType.Pinned);
        var receivePin = GCHandle.Alloc(receive, GCHandleType.Pinned);
        try
        {
            Check(AllgatherBytesCore(sendPin.AddrOfPinnedObject(), count, receivePin.AddrOfPinnedObject()), "MPI_Allgather");
        }
        finally
        {
            receivePin.Free();
            sendPin.Free();
        }
    }

    public void Barrier() => Check(BarrierCore(), "MPI_Barrier");

    /// <summary>MPI_Abort on MPI_COMM_WORLD: ends every rank of the job; returns only if the library failed to.</summary>
    public int Abort(int errorCode) => AbortCore(errorCode);

    protected abstract int CommRankCore(out int rank);

    protected abstract int CommSizeCore(out int size);

    protected abstract int AllgatherBytesCore(nint send, int count, nint receive);

    protected abstract int BarrierCore();

    protected abstract int AbortCore(int errorCode);

    protected T Function<T>(string export)
        where T : Delegate =>
        NativeLibrary.TryGetExport(Handle, export, out var address)
            ? Marshal.GetDelegateForFunctionPointer<T>(address)
            : throw new MpiException($"{Name} has no export {export}: it is not a usable MPI library");

    protected nint Export(string name) =>
        NativeLibrary.TryGetExport(Handle, name, out var address)
            ? address
            : throw new MpiException($"{Name} has no export {name}: it is not a usable Open MPI library");

    private void Check(int code, string call)
    {
        if (code != Success)
        {
            throw new MpiException(call, code, $"{call} failed with MPI error {code}: {ErrorString(code)}");
        }
    }

    private string ErrorString(int code)
    {
        var buffer = new byte[ErrorBufferLength];
        var pin = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        try
        {
            return _errorString(code, pin.AddrOfPinnedObject(), out var length) == Success ? Text(buffer, length) : "(no error string)";
        }
        finally
        {
            pin.Free();
        }
    }

    private static string Text(byte[] buffer, int length)
    {
        var span = buffer.AsSpan(0, Math.Clamp(length, 0, buffer.Length));
        var nul = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? span[..nul] : span).Trim();
    }

    /// <summary>Open MPI: handles are pointers to the library's predefined objects.</summary>
    private sealed class OpenMpiLibrary : MpiLibrary
    {
        private readonly nint _world;
        private readonly nint _byte;
        private readonly CommIntFn _commRank;
        private readonly CommIntFn _commSize;
        private readonly AllgatherFn _allgather;
        private readonly CommFn _barrier;
        private readonly AbortFn _abort;

        public OpenMpiLibrary(nint handle, string name, nint world)
            : base(handle, name)
        {
            _world = world;
            _byte = Export("ompi_mpi_byte");
            _commRank = Function<CommIntFn>("MPI_Comm_rank");
            _commSize = Function<CommIntFn>("MPI_Comm_size");
            _allgather = Function<AllgatherFn>("MPI_Allgather");
            _barrier = Function<CommFn>("MPI_Barrier");
            _abort = Function<AbortFn>("MPI_Abort");
        }

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate int CommIntFn(nint comm, out int value);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate int AllgatherFn(nint send, int sendCount, nint sendType, nint receive, int receiveCount, nint receiveType, nint comm);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate int CommFn(nint comm);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate int AbortFn(nint comm, int errorCode);

        public override MpiFlavor Flavor => MpiFlavor.OpenMpi;

        protected override int CommRankCore(out int rank) => _commRank(_world, out rank);

        protected override int CommSizeCore(out int size) => _commSize(_world, out size);

        protected override int AllgatherBytesCore(nint send, int count, nint receive) =>
            _allgather(send, count, _byte, receive, count, _byte, _world);

        protected override int BarrierCore() => _barrier(_world);

        protected override int AbortCore(int errorCode) => _abort(_world, errorCode);
    }

    /// <summary>MPICH ABI: handles are the integer constants of its mpi.h.</summary>
    private sealed class MpichLibrary : MpiLibrary
    {
        private const int CommWorld = 0x44000000;
        private const int Byte = 0x4c00010d;

        private readonly CommIntFn _commRank;
        private readonly CommIntFn _commSize;
        private readonly AllgatherFn _allgather;
        private readonly CommFn _barrier;
        private readonly AbortFn _abort;

        public MpichLibrary(nint handle, string name)
            : base(handle, name)
        {
            _commRank = Function<CommIntFn>("MPI_Comm_rank");
            _commSize = Function<CommIntFn>("MPI_Comm_size");
            _allgather = Function<AllgatherFn>("MPI_Allgather");
            _barrier = Function<CommFn>("MPI_Barrier");
            _abort = Function<AbortFn>("MPI_Abort");
        }

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate int CommIntFn(int comm, out int value);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate int AllgatherFn(nint send, int sendCount, int sendType, nint receive, int receiveCount, int receiveType, int comm);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate int CommFn(int comm);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate int AbortFn(int comm, int errorCode);

        public override MpiFlavor Flavor => MpiFlavor.Mpich;

        protected override int CommRankCore(out int rank) => _commRank(CommWorld, out rank);

        protected override int CommSizeCore(out int size) => _commSize(CommWorld, out size);

        protected override int AllgatherBytesCore(nint send, int count, nint receive) =>
            _allgather(send, count, Byte, receive, count, Byte, CommWorld);

        protected override int BarrierCore() => _barrier(CommWorld);

        protected override int AbortCore(int errorCode) => _abort(CommWorld, errorCode);
    }
}
