using Apache.Arrow;
using Apache.Arrow.Ipc;

namespace Matrix.Store.Arrow.Read;

/// <summary>
/// Reads the record batches of one part. Whatever Arrow throws on a damaged file (and it throws many
/// kinds) becomes one <see cref="InvalidDataException"/> that names the file.
/// </summary>
internal sealed class PartFileReader : IDisposable
{
    public string Path { get; }
    private readonly FileStream _stream;
    private readonly ArrowStreamReader _reader;

    public PartFileReader(string path)
    {
        Path = path;
        _stream = File.OpenRead(path);
        _reader = new ArrowStreamReader(_stream, leaveOpen: false);
        Schema = Guard(() => _reader.Schema ?? throw new InvalidDataException("no schema"));
    }

    public Schema Schema { get; }

    /// <summary>The next batch, or null at the end of the stream.</summary>
    public RecordBatch? Next() => Guard(_reader.ReadNextRecordBatch);

    public void Dispose() => _reader.Dispose();

    private T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new InvalidDataException($"{Path}: corrupt or truncated, not a readable Arrow stream ({ex.Message})", ex);
        }
    }
}
