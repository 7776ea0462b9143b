using System.Globalization;
using System.Numerics;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Json;

namespace Matrix.Scenarios.Tau2.Domains.Airline;

/// <summary>
/// tau2-bench's <c>calculate</c> tool: <c>str(round(float(eval(expression)), 2))</c> for expressions of digits,
/// <c>+ - * / ( ) .</c> and spaces. Evaluated with Python's semantics: ints are unbounded and stay ints under
/// <c>+ - * // **</c>, <c>/</c> is true division, a float anywhere makes the result a float, <c>round(x, 2)</c>
/// rounds the exact binary value half to even, and the result prints as Python's float repr (<c>4.0</c>).
/// </summary>
internal static class PyCalculator
{
    private const string Allowed = "0123456789+-*/(). ";

    /// <summary>Above this many bits an int power is refused (Python would grind on, then fail converting to float).</summary>
    private const int MaxIntBits = 1 << 16;

    private static readonly BigInteger MaxExactDouble = BigInteger.Pow(2, 53);

    public static string Calculate(string expression)
    {
        foreach (var c in expression)
        {
            if (!Allowed.Contains(c, StringComparison.Ordinal))
            {
                throw new ToolException("Invalid characters in expression");
            }
        }

        if (string.IsNullOrWhiteSpace(expression))
        {
            throw new ToolException("invalid syntax (<string>, line 0)");
        }

        var value = new Parser(expression).ParseAll();
        var rounded = Round2(value.ToFloat());
        return Repr(rounded);
    }

    /// <summary>Python's <c>round(x, 2)</c>: the exact value of <paramref name="x"/> rounded half-even at two decimals, read back.</summary>
    public static double Round2(double x)
    {
        if (double.IsNaN(x) || double.IsInfinity(x) || x == 0)
        {
            return x;
        }

        var bits = BitConverter.DoubleToInt64Bits(x);
        var negative = bits < 0;
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }

        exponent -= 1075; // |x| = mantissa * 2^exponent
        if (exponent >= 0)
        {
            return x; // an integer: nothing to round
        }

        var numerator = new BigInteger(mantissa) * 100;
        var denominator = BigInteger.One << -exponent;
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var twice = remainder * 2;
        if (twice > denominator || (twice == denominator && !quotient.IsEven))
        {
            quotient += 1;
        }

        if (quotient.IsZero)
        {
            return negative ? -0.0 : 0.0;
        }

        var digits = quotient.ToString(CultureInfo.InvariantCulture).PadLeft(3, '0');
        var text = (negative ? "-" : string.Empty) + digits[..^2] + "." + digits[^2..];
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>Python's <c>str(float)</c>.</summary>
    public static string Repr(double d) => double.IsNaN(d) ? "nan" : double.IsInfinity(d) ? (d > 0 ? "inf" : "-inf") : PyJson.Float(d);

    private static ToolException SyntaxError(string message = "invalid syntax") => new($"{message} (<string>, line 1)");

    /// <summary>A Python number: an unbounded int or a float.</summary>
    private readonly record struct PyNumber(bool IsInt, BigInteger Int, double Float)
    {
        public static PyNumber Of(BigInteger i) => new(true, i, 0);

        public static PyNumber Of(double d) => new(false, BigInteger.Zero, d);

        public double ToFloat()
        {
            if (!IsInt)
            {
                return Float;
            }

            var d = ToDouble(Int);
            return double.IsInfinity(d) ? throw new ToolException("int too large to convert to float") : d;
        }

        /// <summary>Python's int-to-float conversion: correctly rounded, half to even (a BigInteger cast truncates).</summary>
        private static double ToDouble(BigInteger value)
        {
            var magnitude = BigInteger.Abs(value);
            var bits = (int)magnitude.GetBitLength();
            if (bits <= 53)
            {
                return (double)value;
            }

            var shift = bits - 54; // keep 54 bits: 53 and a rounding bit
            var top = (long)(magnitude >> shift);
            var sticky = !(magnitude & ((BigInteger.One << shift) - 1)).IsZero;
            var mantissa = top >> 1;
            if ((top & 1) == 1 && (sticky || (mantissa & 1) == 1))
            {
                mantissa++;
            }

            var result = Math.ScaleB(mantissa, shift + 1);
            return value.Sign < 0 ? -result : result;
        }
    }

    /// <summary>Recursive descent over Python's arithmetic grammar (arith, term, factor, power, atom).</summary>
    private sealed class Parser(string text)
    {
        private int _pos;

        public PyNumber ParseAll()
        {
            var value = Arith();
            SkipSpaces();
            return _pos == text.Length ? value : throw SyntaxError();
        }

        private PyNumber Arith()
        {
            var left = Term();
            while (true)
            {
                SkipSpaces();
                if (Peek('+'))
                {
                    _pos++;
                    left = Add(left, Term(), subtract: false);
                }
                else if (Peek('-'))
                {
                    _pos++;
                    left = Add(left, Term(), subtract: true);
                }
                else
                {
                    return left;
                }
            }
        }

        private PyNumber Term()
        {
            var left = Factor();
            while (true)
            {
                SkipSpaces();
                if (Peek("//"))
                {
                    _pos += 2;
                    left = FloorDivide(left, Factor());
                }
                else if (Peek('*'))
                {
                    _pos++;
                    left = Multiply(left, Factor());
                }
                else if (Peek('/'))
                {
                    _pos++;
                    left = Divide(left, Factor());
                }
                else
                {
                    return left;
                }
            }
        }

        private PyNumber Factor()
        {
            SkipSpaces();
            if (Peek('-'))
            {
                _pos++;
                var v = Factor();
                return v.IsInt ? PyNumber.Of(-v.Int) : PyNumber.Of(-v.Float);
            }

            if (Peek('+'))
            {
                _pos++;
                return Factor();
            }

            return Power();
        }

        private PyNumber Power()
        {
            var b = Atom();
            SkipSpaces();
            if (Peek("**"))
            {
                _pos += 2;
                return Pow(b, Factor());
            }

            return b;
        }

        private PyNumber Atom()
        {
            SkipSpaces();
            if (_pos >= text.Length)
            {
                throw SyntaxError();
            }

            if (Peek('('))
            {
                _pos++;
                SkipSpaces();
                if (Peek(')'))
                {
                    throw new ToolException("float() argument must be a string or a real number, not 'tuple'");
                }

                var inner = Arith();
                SkipSpaces();
                if (!Peek(')'))
                {
                    throw SyntaxError(_pos >= text.Length ? "'(' was never closed" : "invalid syntax");
                }

                _pos++;
                return inner;
            }

            return Number();
        }

        private PyNumber Number()
        {
            var start = _pos;
            while (_pos < text.Length && char.IsAsciiDigit(text[_pos]))
            {
                _pos++;
            }

            var intDigits = _pos - start;
            var isFloat = false;
            if (_pos < text.Length && text[_pos] == '.')
            {
                isFloat = true;
                _pos++;
                var fractionStart = _pos;
                while (_pos < text.Length && char.IsAsciiDigit(text[_pos]))
                {
                    _pos++;
                }

                if (intDigits == 0 && _pos == fractionStart)
                {
                    throw SyntaxError();
                }
            }

            if (_pos == start)
            {
                throw SyntaxError();
            }

            var literal = text[start.._pos];
            if (isFloat)
            {
                return PyNumber.Of(double.Parse(literal, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture));
            }

            if (literal.Length > 1 && literal[0] == '0' && literal.Any(c => c != '0'))
            {
                throw SyntaxError("leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
            }

            return PyNumber.Of(BigInteger.Parse(literal, CultureInfo.InvariantCulture));
        }

        private void SkipSpaces()
        {
            while (_pos < text.Length && text[_pos] == ' ')
            {
                _pos++;
            }
        }

        private bool Peek(char c) => _pos < text.Length && text[_pos] == c;

        private bool Peek(string s) => _pos + s.Length <= text.Length && string.CompareOrdinal(text, _pos, s, 0, s.Length) == 0;
    }

    private static PyNumber Add(PyNumber a, PyNumber b, bool subtract)
    {
        if (a.IsInt && b.IsInt)
        {
            return PyNumber.Of(subtract ? a.Int - b.Int : a.Int + b.Int);
        }

        return PyNumber.Of(subtract ? a.ToFloat() - b.ToFloat() : a.ToFloat() + b.ToFloat());
    }

    private static PyNumber Multiply(PyNumber a, PyNumber b) =>
        a.IsInt && b.IsInt ? PyNumber.Of(a.Int * b.Int) : PyNumber.Of(a.ToFloat() * b.ToFloat());

    private static PyNumber Divide(PyNumber a, PyNumber b)
    {
        if (a.IsInt && b.IsInt)
        {
            if (b.Int.IsZero)
            {
                throw new ToolException("division by zero");
            }

            // Python divides ints exactly, then rounds once; doubles do the same while both are exactly representable.
            if (BigInteger.Abs(a.Int) <= MaxExactDouble && BigInteger.Abs(b.Int) <= MaxExactDouble)
            {
                return PyNumber.Of((double)a.Int / (double)b.Int);
            }

            return PyNumber.Of(double.Parse(ExactQuotient(a.Int, b.Int), NumberStyles.Float, CultureInfo.InvariantCulture));
        }

        var divisor = b.ToFloat();
        var dividend = a.ToFloat();
        return divisor == 0 ? throw new ToolException("float division by zero") : PyNumber.Of(dividend / divisor);
    }

    /// <summary>a/b as a decimal string with enough digits for a correctly rounded parse.</summary>
    private static string ExactQuotient(BigInteger a, BigInteger b)
    {
        var negative = (a.Sign < 0) != (b.Sign < 0);
        a = BigInteger.Abs(a);
        b = BigInteger.Abs(b);
        const int Digits = 40;
        var scaled = BigInteger.DivRem(a * BigInteger.Pow(10, Digits), b, out var rest);
        var text = scaled.ToString(CultureInfo.InvariantCulture);
        if (!rest.IsZero)
        {
            text += "1"; // a sticky digit so that the parse never sees an exact tie that is not one
        }

        var exponent = rest.IsZero ? -Digits : -Digits - 1;
        return string.Create(CultureInfo.InvariantCulture, $"{(negative ? "-" : string.Empty)}{text}e{exponent}");
    }

    private static PyNumber FloorDivide(PyNumber a, PyNumber b)
    {
        if (a.IsInt && b.IsInt)
        {
            if (b.Int.IsZero)
            {
                throw new ToolException("integer division or modulo by zero");
            }

            var q = BigInteger.DivRem(a.Int, b.Int, out var r);
            if (!r.IsZero && (r.Sign < 0) != (b.Int.Sign < 0))
            {
                q -= 1;
            }

            return PyNumber.Of(q);
        }

        var vx = a.ToFloat();
        var wx = b.ToFloat();
        if (wx == 0)
        {
            throw new ToolException("float floor division by zero");
        }

        // CPython's float_floor_div (via _float_div_mod).
        var mod = vx % wx;
        var div = (vx - mod) / wx;
        if (mod != 0 && (wx < 0) != (mod < 0))
        {
            div -= 1.0;
        }

        double floordiv;
        if (div != 0)
        {
            floordiv = Math.Floor(div);
            if (div - floordiv > 0.5)
            {
                floordiv += 1.0;
            }
        }
        else
        {
            floordiv = Math.CopySign(0.0, vx / wx);
        }

        return PyNumber.Of(floordiv);
    }

    private static PyNumber Pow(PyNumber a, PyNumber b)
    {
        if (a.IsInt && b.IsInt && b.Int.Sign >= 0)
        {
            if (a.Int.IsZero || BigInteger.Abs(a.Int).IsOne)
            {
                // 0**n, 1**n, (-1)**n without computing anything.
                return PyNumber.Of(b.Int.IsZero ? BigInteger.One : a.Int.Sign < 0 && !b.Int.IsEven ? BigInteger.MinusOne : BigInteger.Abs(a.Int));
            }

            if (b.Int > MaxIntBits || (long)a.Int.GetBitLength() * (long)b.Int > MaxIntBits)
            {
                throw new ToolException("int too large to convert to float");
            }

            return PyNumber.Of(BigInteger.Pow(a.Int, (int)b.Int));
        }

        var x = a.ToFloat();
        var y = b.ToFloat();
        if (x == 0 && y < 0)
        {
            throw new ToolException("0.0 cannot be raised to a negative power");
        }

        if (x < 0 && y != Math.Floor(y) && !double.IsInfinity(y))
        {
            // Python returns a complex number here, which float() then refuses.
            throw new ToolException("float() argument must be a string or a real number, not 'complex'");
        }

        var result = Math.Pow(x, y);
        if (double.IsInfinity(result) && !double.IsInfinity(x) && !double.IsInfinity(y))
        {
            throw new ToolException("(34, 'Numerical result out of range')");
        }

        return PyNumber.Of(result);
    }
}
