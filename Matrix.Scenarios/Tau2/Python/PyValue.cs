using System.Globalization;
using System.Numerics;

namespace Matrix.Scenarios.Tau2.Python;

/// <summary>The types an expression of <c>0123456789+-*/(). </c> can produce in Python (complex numbers aside).</summary>
internal enum PyType
{
    Int,
    Float,

    /// <summary>The empty tuple, written <c>()</c>: the only tuple without commas.</summary>
    Tuple,

    /// <summary><c>...</c>, Python's <c>Ellipsis</c>.</summary>
    Ellipsis,
}

/// <summary>A Python value: an unbounded int, a float, <c>()</c> or <c>Ellipsis</c>.</summary>
internal readonly record struct PyValue(PyType Type, BigInteger Int, double Float)
{
    public static readonly PyValue EmptyTuple = new(PyType.Tuple, BigInteger.Zero, 0);

    public static readonly PyValue Ellipsis = new(PyType.Ellipsis, BigInteger.Zero, 0);

    public bool IsNumber => Type is PyType.Int or PyType.Float;

    /// <summary><c>type(x).__name__</c>, as error messages name it.</summary>
    public string TypeName => Type switch
    {
        PyType.Int => "int",
        PyType.Float => "float",
        PyType.Tuple => "tuple",
        _ => "ellipsis",
    };

    public static PyValue Of(BigInteger i) => new(PyType.Int, i, 0);

    public static PyValue Of(double d) => new(PyType.Float, BigInteger.Zero, d);

    /// <summary><c>float(x)</c>.</summary>
    public double ToFloat() => Type switch
    {
        PyType.Float => Float,
        PyType.Int => PyNumbers.IntToFloat(Int),
        _ => throw PyErrors.NotAReal(TypeName),
    };

    /// <summary><c>str(x)</c>: how a call's error names the object called.</summary>
    public string Str() => Type switch
    {
        PyType.Int => Int.ToString(CultureInfo.InvariantCulture),
        PyType.Float => PyNumbers.Str(Float),
        PyType.Tuple => "()",
        _ => "Ellipsis",
    };
}
