using System.Text;
using Apache.Arrow;
using Apache.Arrow.Types;

namespace Matrix.Store.Arrow.Read;

/// <summary>Arrow type names as the README and manifest write them (<c>utf8</c>, <c>list&lt;struct&lt;...&gt;&gt;</c>).</summary>
internal static class ArrowTypeNames
{
    public static string Format(Field field) => Format(field.DataType) + (field.IsNullable ? "" : " not null");

    public static string Format(IArrowType type) => type switch
    {
        StringType => "utf8",
        LargeStringType => "large_utf8",
        StringViewType => "utf8_view",
        BooleanType => "bool",
        Int8Type => "int8",
        Int16Type => "int16",
        Int32Type => "int32",
        Int64Type => "int64",
        UInt8Type => "uint8",
        UInt16Type => "uint16",
        UInt32Type => "uint32",
        UInt64Type => "uint64",
        FloatType => "float32",
        DoubleType => "float64",
        ListType list => $"list<{Format(list.ValueDataType)}>",
        LargeListType list => $"large_list<{Format(list.ValueDataType)}>",
        StructType s => FormatStruct(s),
        DictionaryType d => $"dictionary<values={Format(d.ValueType)}, indices={Format(d.IndexType)}>",
        _ => type.Name.ToLowerInvariant(),
    };

    private static string FormatStruct(StructType type)
    {
        var text = new StringBuilder("struct<");
        for (var i = 0; i < type.Fields.Count; i++)
        {
            text.Append(i == 0 ? "" : ", ").Append(type.Fields[i].Name).Append(": ").Append(Format(type.Fields[i]));
        }

        return text.Append('>').ToString();
    }
}
