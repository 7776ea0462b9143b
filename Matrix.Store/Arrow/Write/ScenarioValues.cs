namespace Matrix.Store.Arrow.Write;

/// <summary>
/// Widens a scenario column's value to its column's CLR type. A scenario returning an <c>int</c> for an
/// int64 column, or a <c>float</c> for a float64 one, is not a mistake worth failing a run over; a value
/// that does not fit (or is not a number) yields null and the caller reports it.
/// </summary>
internal static class ScenarioValues
{
    public static object? ToInt32(object value) => value switch
    {
        int => value,
        short v => (int)v,
        ushort v => (int)v,
        sbyte v => (int)v,
        byte v => (int)v,
        long v when v is >= int.MinValue and <= int.MaxValue => (int)v,
        uint v when v <= int.MaxValue => (int)v,
        _ => null,
    };

    public static object? ToInt64(object value) => value switch
    {
        long => value,
        int v => (long)v,
        uint v => (long)v,
        short v => (long)v,
        ushort v => (long)v,
        sbyte v => (long)v,
        byte v => (long)v,
        ulong v when v <= long.MaxValue => (long)v,
        _ => null,
    };

    public static object? ToFloat64(object value) => value switch
    {
        double => value,
        float v => (double)v,
        int v => (double)v,
        long v => (double)v,
        decimal v => (double)v,
        _ => null,
    };
}
