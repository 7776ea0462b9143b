using System.Globalization;
using Apache.Arrow;

namespace Matrix.Store.Arrow.Read;

/// <summary>
/// Reads single values out of Arrow arrays of whatever physical type another writer chose: strings may
/// be utf8, large_utf8, utf8_view or dictionary-encoded (the JavaScript library does that), integers
/// any width.
/// </summary>
internal static class ArrowValues
{
    public static string? GetString(IArrowArray array, int index) => array switch
    {
        _ when array.IsNull(index) => null,
        StringArray a => a.GetString(index),
        LargeStringArray a => a.GetString(index),
        StringViewArray a => a.GetString(index),
        DictionaryArray a => GetString(a.Dictionary, DictionaryIndex(a, index)),
        _ => throw new InvalidDataException($"expected a string column, found {ArrowTypeNames.Format(array.Data.DataType)}"),
    };

    public static long? GetInt64(IArrowArray array, int index) => array switch
    {
        _ when array.IsNull(index) => null,
        Int64Array a => a.GetValue(index),
        Int32Array a => a.GetValue(index),
        Int16Array a => a.GetValue(index),
        Int8Array a => a.GetValue(index),
        UInt32Array a => a.GetValue(index),
        UInt16Array a => a.GetValue(index),
        UInt8Array a => a.GetValue(index),
        UInt64Array a => checked((long)a.GetValue(index)!.Value),
        DictionaryArray a => GetInt64(a.Dictionary, DictionaryIndex(a, index)),
        _ => throw new InvalidDataException($"expected an integer column, found {ArrowTypeNames.Format(array.Data.DataType)}"),
    };

    /// <summary>Any scalar as a plain CLR value: string, bool, int, long, double (or a description of an unsupported type).</summary>
    public static object? GetValue(IArrowArray array, int index) => array switch
    {
        _ when array.IsNull(index) => null,
        StringArray or LargeStringArray or StringViewArray => GetString(array, index),
        DictionaryArray a => GetValue(a.Dictionary, DictionaryIndex(a, index)),
        BooleanArray a => a.GetValue(index),
        Int32Array a => a.GetValue(index),
        Int16Array a => (int)a.GetValue(index)!.Value,
        Int8Array a => (int)a.GetValue(index)!.Value,
        UInt16Array a => (int)a.GetValue(index)!.Value,
        UInt8Array a => (int)a.GetValue(index)!.Value,
        Int64Array or UInt32Array or UInt64Array => GetInt64(array, index),
        DoubleArray a => a.GetValue(index),
        FloatArray a => (double)a.GetValue(index)!.Value,
        _ => $"<{ArrowTypeNames.Format(array.Data.DataType)}>",
    };

    /// <summary>Formats a value for a one-line display.</summary>
    public static string Display(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static int DictionaryIndex(DictionaryArray array, int index) =>
        (int)(GetInt64(array.Indices, index) ?? throw new InvalidDataException("dictionary index is null"));
}
