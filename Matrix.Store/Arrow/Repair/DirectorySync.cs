using System.Runtime.InteropServices;

namespace Matrix.Store.Arrow.Repair;

/// <summary>
/// Flushes a directory's entries to disk (<c>fsync</c> of the directory itself): after a rename or delete,
/// the file's data is durable (flushed before) but the new name is only once its directory is. .NET has no
/// call for it, so on Unix it is libc's <c>open</c>, <c>fsync</c> and <c>close</c>; on Windows, NTFS
/// journals renames itself and nothing is done.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0; // O_RDONLY, 0 on Linux and macOS
    private const int InvalidArgument = 22; // EINVAL, 22 on Linux and macOS

    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(directory, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"{directory}: cannot open the directory to flush it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            // Some file systems cannot fsync a directory (EINVAL): their renames are as durable as they get.
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != InvalidArgument)
            {
                throw new IOException($"{directory}: fsync of the directory failed (errno {errno})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
