using Apache.Arrow;
using Matrix.Store.Arrow.Repair;

namespace Matrix.Store.Arrow.Read;

/// <summary>The columns of a record that <c>--resume</c> needs: which task, and how it ended.</summary>
public readonly record struct TaskRecordKey(string Id, string Scenario, string Status, string? Reason);

/// <summary>
/// Streams the <c>id</c>, <c>scenario</c>, <c>status</c> and <c>reason</c> of every record in the parts of
/// an output directory, batch by batch, without decoding messages or scenario columns: for building the
/// set of finished tasks on <c>--resume</c>. Expects repaired parts (<see cref="PartRepair"/>); a part
/// Arrow cannot read throws <see cref="InvalidDataException"/> naming the file. A part that ends cleanly
/// after a whole batch without its end marker (still open, or flushed before a crash) reads as far as it goes.
/// </summary>
public static class PartScanner
{
    /// <summary>Distinct values of a low-cardinality column (status, reason, scenario) kept as strings.</summary>
    private const int InternedValues = 64;

    /// <summary>The records of every <c>part-*.arrow</c> in <paramref name="directory"/>, part after part in name order.</summary>
    public static IEnumerable<TaskRecordKey> Scan(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        return PartFiles.List(directory).SelectMany(ScanFile);
    }

    /// <summary>The records of one part.</summary>
    internal static IEnumerable<TaskRecordKey> ScanFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Iterate(path);
    }

    private static IEnumerable<TaskRecordKey> Iterate(string path)
    {
        using var reader = new PartFileReader(path);
        var schema = reader.Schema;
        int Find(string name) => schema.GetFieldIndex(name, StringComparer.Ordinal);
        int Require(string name) => Find(name) is var i and >= 0 ? i : throw new InvalidDataException($"{path}: the part has no '{name}' column");

        var idIndex = Require(OutputSchema.Id);
        var statusIndex = Require(OutputSchema.Status);
        var scenarioIndex = Find(OutputSchema.Scenario);
        var reasonIndex = Find(OutputSchema.Reason);
        var id = new StringColumn(path, OutputSchema.Id, intern: false);
        var status = new StringColumn(path, OutputSchema.Status, intern: true);
        var scenario = new StringColumn(path, OutputSchema.Scenario, intern: true);
        var reason = new StringColumn(path, OutputSchema.Reason, intern: true);

        while (reader.Next() is { } batch)
        {
            using (batch)
            {
                id.Reset(batch.Column(idIndex));
                status.Reset(batch.Column(statusIndex));
                scenario.Reset(scenarioIndex < 0 ? null : batch.Column(scenarioIndex));
                reason.Reset(reasonIndex < 0 ? null : batch.Column(reasonIndex));
                for (var row = 0; row < batch.Length; row++)
                {
                    yield return new TaskRecordKey(
                        id.Get(row) ?? throw new InvalidDataException($"{path}: row {row} of a batch has a null id"),
                        scenario.Get(row) ?? "",
                        status.Get(row) ?? "",
                        reason.Get(row));
                }
            }
        }
    }

    /// <summary>
    /// Reads strings of one column of the current batch, whatever the physical type (utf8, large_utf8,
    /// utf8_view, dictionary-encoded). Interning returns the same string object for repeated values instead
    /// of allocating one per row; a dictionary's values are decoded once each.
    /// </summary>
    private sealed class StringColumn(string path, string name, bool intern)
    {
        private readonly List<(byte[] Utf8, string Value)> _interned = [];
        private IArrowArray? _array;
        private DictionaryArray? _dictionaryArray;
        private IArrowArray? _dictionary;
        private string?[] _dictionaryValues = [];
        private bool[] _dictionaryDecoded = [];

        public void Reset(IArrowArray? array)
        {
            _array = array;
            _dictionaryArray = array as DictionaryArray;
            if (_dictionaryArray is not null && !ReferenceEquals(_dictionaryArray.Dictionary, _dictionary))
            {
                _dictionary = _dictionaryArray.Dictionary;
                _dictionaryValues = new string?[_dictionary.Length];
                _dictionaryDecoded = new bool[_dictionary.Length];
            }
        }

        public string? Get(int row)
        {
            try
            {
                return _array switch
                {
                    null => null,
                    _ when _array.IsNull(row) => null,
                    DictionaryArray d => FromDictionary(d, row),
                    _ => Read(_array, row),
                };
            }
            catch (Exception ex) when (ex is InvalidDataException or ArgumentOutOfRangeException or IndexOutOfRangeException or OverflowException)
            {
                throw new InvalidDataException($"{path}: column '{name}': {ex.Message}", ex);
            }
        }

        private string? FromDictionary(DictionaryArray array, int row)
        {
            var index = (int)(ArrowValues.GetInt64(array.Indices, row) ?? throw new InvalidDataException("dictionary index is null"));
            if (!_dictionaryDecoded[index])
            {
                _dictionaryValues[index] = array.Dictionary.IsNull(index) ? null : Read(array.Dictionary, index);
                _dictionaryDecoded[index] = true;
            }

            return _dictionaryValues[index];
        }

        private string? Read(IArrowArray array, int index)
        {
            if (!intern)
            {
                return ArrowValues.GetString(array, index);
            }

            var bytes = array switch
            {
                StringArray a => a.GetBytes(index),
                LargeStringArray a => a.GetBytes(index),
                StringViewArray a => a.GetBytes(index),
                _ => default,
            };
            if (bytes.IsEmpty && array is not (StringArray or LargeStringArray or StringViewArray))
            {
                return ArrowValues.GetString(array, index);
            }

            foreach (var (utf8, value) in _interned)
            {
                if (bytes.SequenceEqual(utf8))
                {
                    return value;
                }
            }

            var text = System.Text.Encoding.UTF8.GetString(bytes);
            if (_interned.Count < InternedValues)
            {
                _interned.Add((bytes.ToArray(), text));
            }

            return text;
        }
    }
}
