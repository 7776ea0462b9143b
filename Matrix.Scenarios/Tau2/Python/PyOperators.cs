using System.Numerics;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Python;

/// <summary>
/// Python's arithmetic operators on <see cref="PyValue"/>s: ints stay exact ints under <c>+ - * // **</c>, a float
/// operand makes a float, <c>/</c> is true division, and other operand types raise Python's <c>TypeError</c> texts
/// (a tuple concatenates and repeats, as sequences do).
/// </summary>
internal static class PyOperators
{
    /// <summary>
    /// An int power is refused beyond this many bits (estimated as base bits × exponent): Python would compute it,
    /// then fail turning it into a float, but computing it could take minutes.
    /// </summary>
    private const int MaxPowerBits = 1 << 16;

    /// <summary>
    /// Sums and products of ints are refused beyond this many bits, far past any float (2^1024) yet small enough that
    /// a long chain of big powers (<c>9**16000*9**16000*...</c>) fails at once instead of multiplying for minutes.
    /// Below it, a huge intermediate that a later <c>//</c> or <c>/</c> brings back into range computes as in Python.
    /// </summary>
    private const long MaxIntBits = 1 << 18;

    public static PyValue Add(PyValue a, PyValue b)
    {
        if (a.Type == PyType.Tuple)
        {
            // tuple + x is sequence concatenation, which only takes another tuple.
            return b.Type == PyType.Tuple ? PyValue.EmptyTuple : throw new ToolException($"can only concatenate tuple (not \"{b.TypeName}\") to tuple");
        }

        CheckNumbers("+", a, b);
        return a.Type == PyType.Int && b.Type == PyType.Int ? Checked(a.Int + b.Int) : PyValue.Of(a.ToFloat() + b.ToFloat());
    }

    public static PyValue Subtract(PyValue a, PyValue b)
    {
        CheckNumbers("-", a, b);
        return a.Type == PyType.Int && b.Type == PyType.Int ? Checked(a.Int - b.Int) : PyValue.Of(a.ToFloat() - b.ToFloat());
    }

    public static PyValue Multiply(PyValue a, PyValue b)
    {
        if (a.Type == PyType.Tuple || b.Type == PyType.Tuple)
        {
            // Sequence repetition: () * n is () for any n that fits a C ssize_t.
            var count = a.Type == PyType.Tuple ? b : a;
            if (count.Type != PyType.Int)
            {
                throw new ToolException($"can't multiply sequence by non-int of type '{count.TypeName}'");
            }

            return count.Int >= long.MinValue && count.Int <= long.MaxValue
                ? PyValue.EmptyTuple
                : throw new ToolException("cannot fit 'int' into an index-sized integer");
        }

        CheckNumbers("*", a, b);
        if (a.Type != PyType.Int || b.Type != PyType.Int)
        {
            return PyValue.Of(a.ToFloat() * b.ToFloat());
        }

        // A product has at least bits(a) + bits(b) - 1 bits: refuse before multiplying.
        return a.Int.GetBitLength() + b.Int.GetBitLength() - 1 > MaxIntBits ? throw PyErrors.IntTooLarge() : Checked(a.Int * b.Int);
    }

    public static PyValue Divide(PyValue a, PyValue b)
    {
        CheckNumbers("/", a, b);
        if (a.Type == PyType.Int && b.Type == PyType.Int)
        {
            return PyValue.Of(PyNumbers.TrueDivide(a.Int, b.Int));
        }

        var x = a.ToFloat();
        var y = b.ToFloat();
        return y == 0 ? throw new ToolException("float division by zero") : PyValue.Of(x / y);
    }

    public static PyValue FloorDivide(PyValue a, PyValue b)
    {
        CheckNumbers("//", a, b);
        if (a.Type != PyType.Int || b.Type != PyType.Int)
        {
            return PyValue.Of(PyNumbers.FloorDivide(a.ToFloat(), b.ToFloat()));
        }

        if (b.Int.IsZero)
        {
            throw new ToolException("integer division or modulo by zero");
        }

        // BigInteger division truncates; Python floors.
        var q = BigInteger.DivRem(a.Int, b.Int, out var r);
        return PyValue.Of(!r.IsZero && (r.Sign < 0) != (b.Int.Sign < 0) ? q - 1 : q);
    }

    public static PyValue Power(PyValue a, PyValue b)
    {
        CheckNumbers("** or pow()", a, b);
        if (a.Type != PyType.Int || b.Type != PyType.Int || b.Int.Sign < 0)
        {
            // int ** negative int is a float power in Python too.
            return PyValue.Of(PyNumbers.Power(a.ToFloat(), b.ToFloat()));
        }

        if (a.Int.IsZero || BigInteger.Abs(a.Int).IsOne)
        {
            // 0**n, 1**n and (-1)**n for any n, without computing anything.
            return PyValue.Of(b.Int.IsZero ? BigInteger.One : a.Int.Sign < 0 && !b.Int.IsEven ? BigInteger.MinusOne : BigInteger.Abs(a.Int));
        }

        if (b.Int > MaxPowerBits || (long)b.Int * (long)a.Int.GetBitLength() > MaxPowerBits)
        {
            throw PyErrors.IntTooLarge();
        }

        return PyValue.Of(BigInteger.Pow(a.Int, (int)b.Int));
    }

    public static PyValue Negate(PyValue v) => v.Type switch
    {
        PyType.Int => PyValue.Of(-v.Int),
        PyType.Float => PyValue.Of(-v.Float),
        _ => throw PyErrors.BadUnary('-', v.TypeName),
    };

    public static PyValue Positive(PyValue v) => v.IsNumber ? v : throw PyErrors.BadUnary('+', v.TypeName);

    private static PyValue Checked(BigInteger i) => i.GetBitLength() > MaxIntBits ? throw PyErrors.IntTooLarge() : PyValue.Of(i);

    private static void CheckNumbers(string op, PyValue a, PyValue b)
    {
        if (!a.IsNumber || !b.IsNumber)
        {
            throw PyErrors.Unsupported(op, a.TypeName, b.TypeName);
        }
    }
}
