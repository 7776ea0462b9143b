using System.Globalization;
using System.Numerics;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Json;

namespace Matrix.Scenarios.Tau2.Python;

/// <summary>
/// CPython's float semantics where .NET's differ: <c>round(x, n)</c>, <c>str(float)</c>, int-to-float conversion and
/// int true division (both correctly rounded, where a <see cref="BigInteger"/> cast truncates), <c>//</c> and
/// <c>**</c> on floats. tau2-bench's tools round balances and price differences with <c>round(x, 2)</c> and print
/// results with <c>str()</c>, so these decide the exact texts and database values.
/// </summary>
internal static class PyNumbers
{
    /// <summary>
    /// Python's <c>round(x, ndigits)</c> on a float: the exact binary value rounded half-to-even at the given decimal
    /// place, then read back as the nearest double (CPython does it with dtoa/strtod). <c>Math.Round</c> scales by a
    /// power of ten first and so is off on values such as 0.285 or 1.005.
    /// </summary>
    public static double Round(double x, int ndigits)
    {
        if (x == 0 || !double.IsFinite(x) || ndigits is < 0 or > 300)
        {
            return x;
        }

        var bits = BitConverter.DoubleToInt64Bits(x);
        var negative = bits < 0;
        var exponent = (int)((bits >> 52) & 0x7FF);
        var fraction = bits & 0xFFFFFFFFFFFFFL;
        long mantissa;
        if (exponent == 0)
        {
            mantissa = fraction;
            exponent = -1074;
        }
        else
        {
            mantissa = fraction | (1L << 52);
            exponent -= 1075;
        }

        if (exponent >= 0)
        {
            return x; // an integer: nothing after the decimal point
        }

        // |x| * 10^ndigits = mantissa * 10^ndigits / 2^-exponent, rounded half to even.
        var numerator = mantissa * BigInteger.Pow(10, ndigits);
        var denominator = BigInteger.One << -exponent;
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        var twice = remainder << 1;
        if (twice > denominator || (twice == denominator && !quotient.IsEven))
        {
            quotient += 1;
        }

        // The sign stays on a zero quotient: round(-0.001, 2) is -0.0.
        var text = string.Create(CultureInfo.InvariantCulture, $"{(negative ? "-" : string.Empty)}{quotient}e-{ndigits}");
        return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>Python's <c>str(float)</c> (= <c>repr</c>): <see cref="PyJson.Float"/>'s digits, but <c>inf</c> and <c>nan</c> as Python prints them.</summary>
    public static string Str(double x) =>
        double.IsNaN(x) ? "nan" : double.IsPositiveInfinity(x) ? "inf" : double.IsNegativeInfinity(x) ? "-inf" : PyJson.Float(x);

    /// <summary>Python's <c>float(int)</c>: correctly rounded, half to even; <c>OverflowError</c> past the largest double.</summary>
    public static double IntToFloat(BigInteger value)
    {
        // Anything this long is past 2^1024 whatever its digits: no need to divide a huge number.
        if (value.GetBitLength() > 1100)
        {
            throw PyErrors.IntTooLarge();
        }

        var d = Ratio(value, BigInteger.One);
        return double.IsInfinity(d) ? throw PyErrors.IntTooLarge() : d;
    }

    /// <summary>Python's <c>int / int</c>: the exact quotient rounded once (so <c>10**400 / 10**399</c> is 10.0, not inf/inf).</summary>
    public static double TrueDivide(BigInteger a, BigInteger b)
    {
        if (b.IsZero)
        {
            throw new ToolException("division by zero");
        }

        var negative = (a.Sign < 0) != (b.Sign < 0); // 0 / -5 is -0.0 in Python
        var q = Ratio(BigInteger.Abs(a), BigInteger.Abs(b));
        return double.IsInfinity(q)
            ? throw new ToolException("integer division result too large for a float")
            : negative ? -q : q;
    }

    /// <summary>CPython's <c>float_floor_div</c> (via <c>_float_div_mod</c>), including the sign of a zero result.</summary>
    public static double FloorDivide(double vx, double wx)
    {
        if (wx == 0)
        {
            throw new ToolException("float floor division by zero");
        }

        var mod = vx % wx; // C fmod
        var div = (vx - mod) / wx;
        if (mod != 0 && (wx < 0) != (mod < 0))
        {
            div -= 1.0;
        }

        if (div == 0)
        {
            return Math.CopySign(0.0, vx / wx);
        }

        var floordiv = Math.Floor(div);
        return div - floordiv > 0.5 ? floordiv + 1.0 : floordiv;
    }

    /// <summary>
    /// CPython's <c>float_pow</c>, special cases in its order, then the C library's <c>pow</c> (which .NET calls
    /// too). A negative base to a fractional power is a complex number in Python, which <c>calculate</c>'s
    /// <c>float()</c> then refuses; it is refused here where it arises.
    /// </summary>
    public static double Power(double iv, double iw)
    {
        if (iw == 0)
        {
            return 1.0;
        }

        if (double.IsNaN(iv))
        {
            return iv;
        }

        if (double.IsNaN(iw))
        {
            return iv == 1.0 ? 1.0 : iw;
        }

        if (double.IsInfinity(iw))
        {
            var magnitude = Math.Abs(iv);
            return magnitude == 1.0 ? 1.0 : (iw > 0) == (magnitude > 1.0) ? Math.Abs(iw) : 0.0;
        }

        if (double.IsInfinity(iv))
        {
            var odd = IsOddInteger(iw);
            return iw > 0 ? (odd ? iv : Math.Abs(iv)) : (odd ? Math.CopySign(0.0, iv) : 0.0);
        }

        if (iv == 0)
        {
            return iw < 0 ? throw new ToolException("0.0 cannot be raised to a negative power") : IsOddInteger(iw) ? iv : 0.0;
        }

        var negate = false;
        if (iv < 0)
        {
            if (iw != Math.Floor(iw))
            {
                throw PyErrors.NotAReal("complex");
            }

            iv = -iv;
            negate = IsOddInteger(iw);
        }

        if (iv == 1.0)
        {
            return negate ? -1.0 : 1.0;
        }

        var result = Math.Pow(iv, iw);
        if (double.IsInfinity(result))
        {
            // ERANGE from pow: OverflowError(errno, strerror); an underflow to 0 is not an error.
            throw new ToolException("(34, 'Numerical result out of range')");
        }

        return negate ? -result : result;
    }

    private static bool IsOddInteger(double x) => Math.Abs(x) % 2.0 == 1.0;

    /// <summary>num / den (den positive) correctly rounded to a double (round half to even), as CPython's int true division.</summary>
    private static double Ratio(BigInteger num, BigInteger den)
    {
        if (num.IsZero)
        {
            return 0.0;
        }

        var negative = num.Sign < 0;
        num = BigInteger.Abs(num);

        // Scale so that the integer quotient has at least 55 bits; the remainder is kept as a sticky bit.
        var shift = 55 - (int)(num.GetBitLength() - den.GetBitLength());
        var q = BigInteger.DivRem(shift >= 0 ? num << shift : num, shift >= 0 ? den : den << -shift, out var r);
        var sticky = !r.IsZero;
        var bits = (int)q.GetBitLength();

        // value = q * 2^-shift; keep 53 bits, fewer for subnormals (lowest bit 2^-1074).
        var drop = Math.Max(bits - 53, shift - 1074);
        if (drop <= 0)
        {
            var exact = Math.ScaleB((double)q, -shift);
            return negative ? -exact : exact;
        }

        var kept = drop >= bits + 1 ? BigInteger.Zero : q >> drop;
        var rest = q - (kept << drop);
        var half = BigInteger.One << (drop - 1);
        if (rest > half || (rest == half && (sticky || !kept.IsEven)))
        {
            kept += 1;
        }

        var result = Math.ScaleB((double)kept, drop - shift);
        return negative ? -result : result;
    }
}
