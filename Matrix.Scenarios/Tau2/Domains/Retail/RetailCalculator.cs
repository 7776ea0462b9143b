using System.Globalization;
using System.Numerics;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Domains.Retail;

/// <summary>
/// tau2-bench's <c>calculate</c>: <c>str(round(float(eval(expression)), 2))</c> over the characters
/// <c>0123456789+-*/(). </c>. Those characters allow Python's ints (exact, unbounded), floats, <c>+ - * / // **</c>,
/// unary signs, parentheses, the empty tuple and calls (<c>3(4)</c> is a call in Python); each is evaluated with
/// Python's semantics, and errors carry Python's messages (<c>division by zero</c>,
/// <c>invalid syntax (&lt;string&gt;, line 1)</c>, ...). Checked against CPython 3.11 on thousands of random
/// expressions; the known differences are exotic: a complex result (a negative number to a fractional power) is
/// refused where it arises rather than carried through later operations, and ints past 65,536 bits are refused.
/// </summary>
internal static class RetailCalculator
{
    private const string Allowed = "0123456789+-*/(). ";

    /// <summary>Ints beyond this many bits are refused (Python would compute them, then fail to make a float).</summary>
    private const int MaxIntBits = 1 << 16;

    public static string Calculate(string expression)
    {
        if (!expression.All(c => Allowed.Contains(c, StringComparison.Ordinal)))
        {
            throw new ToolException("Invalid characters in expression");
        }

        var value = new Parser(Tokenize(expression)).ParseAll();
        return PyFloat.Str(PyFloat.Round(ToFloat(value, "float() argument must be a string or a real number"), 2));
    }

    private static double ToFloat(Value v, string context) => v.Type switch
    {
        ValueType.Float => v.Float,
        ValueType.Int => IntToFloat(v.Int),
        _ => throw new ToolException($"{context}, not '{v.TypeName}'"),
    };

    private static double IntToFloat(BigInteger i)
    {
        var d = Ratio(i, BigInteger.One);
        return double.IsInfinity(d) ? throw new ToolException("int too large to convert to float") : d;
    }

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var depth = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c == ' ')
            {
                i++;
                continue;
            }

            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                var start = i;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }

                var isFloat = false;
                if (i < text.Length && text[i] == '.')
                {
                    isFloat = true;
                    i++;
                    while (i < text.Length && char.IsAsciiDigit(text[i]))
                    {
                        i++;
                    }
                }

                var literal = text[start..i];
                if (!isFloat && literal.Length > 1 && literal[0] == '0' && literal.Any(d => d != '0'))
                {
                    throw Syntax("leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
                }

                tokens.Add(new Token(TokenKind.Number, literal, depth));
                continue;
            }

            var two = i + 1 < text.Length ? text.Substring(i, 2) : string.Empty;
            if (two is "**" or "//")
            {
                tokens.Add(new Token(TokenKind.Operator, two, depth));
                i += 2;
                continue;
            }

            switch (c)
            {
                case '(':
                    tokens.Add(new Token(TokenKind.Open, "(", depth++));
                    break;
                case ')':
                    if (depth == 0)
                    {
                        throw Syntax("unmatched ')'");
                    }

                    tokens.Add(new Token(TokenKind.Close, ")", --depth));
                    break;
                default:
                    tokens.Add(new Token(TokenKind.Operator, c.ToString(), depth));
                    break;
            }

            i++;
        }

        if (depth > 0)
        {
            throw Syntax("'(' was never closed");
        }

        return tokens;
    }

    private static ToolException Syntax(string message, int line = 1) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{message} (<string>, line {line})"));

    private static Value Add(Value a, Value b, string op)
    {
        if (a.Type == ValueType.Tuple && b.Type == ValueType.Tuple && op == "+")
        {
            return Value.EmptyTuple;
        }

        if (a.Type == ValueType.Tuple || b.Type == ValueType.Tuple)
        {
            throw Unsupported(op, a, b);
        }

        if (a.Type == ValueType.Int && b.Type == ValueType.Int)
        {
            return CheckedInt(op == "+" ? a.Int + b.Int : a.Int - b.Int);
        }

        var x = ToFloat(a, string.Empty);
        var y = ToFloat(b, string.Empty);
        return Value.Of(op == "+" ? x + y : x - y);
    }

    private static Value Multiply(Value a, Value b)
    {
        if (a.Type == ValueType.Tuple || b.Type == ValueType.Tuple)
        {
            var other = a.Type == ValueType.Tuple ? b : a;
            return other.Type switch
            {
                ValueType.Int => Value.EmptyTuple, // () * n == ()
                ValueType.Float => throw new ToolException("can't multiply sequence by non-int of type 'float'"),
                _ => throw Unsupported("*", a, b),
            };
        }

        if (a.Type == ValueType.Int && b.Type == ValueType.Int)
        {
            return CheckedInt(a.Int * b.Int);
        }

        return Value.Of(ToFloat(a, string.Empty) * ToFloat(b, string.Empty));
    }

    private static Value Divide(Value a, Value b)
    {
        if (a.Type == ValueType.Tuple || b.Type == ValueType.Tuple)
        {
            throw Unsupported("/", a, b);
        }

        if (a.Type == ValueType.Int && b.Type == ValueType.Int)
        {
            if (b.Int.IsZero)
            {
                throw new ToolException("division by zero");
            }

            var negative = (a.Int.Sign < 0) != (b.Int.Sign < 0); // 0 / -5 is -0.0 in Python
            var q = Ratio(BigInteger.Abs(a.Int), BigInteger.Abs(b.Int));
            return double.IsInfinity(q)
                ? throw new ToolException("integer division result too large for a float")
                : Value.Of(negative ? -q : q);
        }

        var x = ToFloat(a, string.Empty);
        var y = ToFloat(b, string.Empty);
        return y == 0 ? throw new ToolException("float division by zero") : Value.Of(x / y);
    }

    private static Value FloorDivide(Value a, Value b)
    {
        if (a.Type == ValueType.Tuple || b.Type == ValueType.Tuple)
        {
            throw Unsupported("//", a, b);
        }

        if (a.Type == ValueType.Int && b.Type == ValueType.Int)
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

            return Value.Of(q);
        }

        var vx = ToFloat(a, string.Empty);
        var wx = ToFloat(b, string.Empty);
        if (wx == 0)
        {
            throw new ToolException("float floor division by zero");
        }

        // CPython's float_floor_div (via _float_div_mod).
        var mod = vx % wx; // C fmod
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

        return Value.Of(floordiv);
    }

    private static Value Power(Value a, Value b)
    {
        if (a.Type == ValueType.Tuple || b.Type == ValueType.Tuple)
        {
            throw Unsupported("** or pow()", a, b);
        }

        if (a.Type == ValueType.Int && b.Type == ValueType.Int && b.Int.Sign >= 0)
        {
            if (a.Int.IsZero || a.Int.IsOne || a.Int == BigInteger.MinusOne)
            {
                return Value.Of(b.Int.IsZero ? BigInteger.One : a.Int.IsZero ? BigInteger.Zero : a.Int.IsOne || b.Int.IsEven ? BigInteger.One : BigInteger.MinusOne);
            }

            if (b.Int > MaxIntBits || (long)b.Int * (long)a.Int.GetBitLength() > MaxIntBits)
            {
                throw new ToolException("int too large to convert to float");
            }

            return Value.Of(BigInteger.Pow(a.Int, (int)b.Int));
        }

        return Value.Of(FloatPower(ToFloat(a, string.Empty), ToFloat(b, string.Empty)));
    }

    /// <summary>CPython's <c>float_pow</c>, for the cases these expressions can reach.</summary>
    private static double FloatPower(double iv, double iw)
    {
        if (iw == 0 || iv == 1.0)
        {
            return 1.0;
        }

        if (double.IsNaN(iv) || double.IsNaN(iw))
        {
            return double.NaN;
        }

        if (iv == 0)
        {
            if (iw < 0)
            {
                throw new ToolException("0.0 cannot be raised to a negative power");
            }

            return Math.Pow(iv, iw);
        }

        if (iv < 0 && double.IsFinite(iw) && iw != Math.Floor(iw))
        {
            // Python returns a complex number, which float() then refuses.
            throw new ToolException("float() argument must be a string or a real number, not 'complex'");
        }

        var result = Math.Pow(iv, iw);
        if (double.IsInfinity(result) && double.IsFinite(iv) && double.IsFinite(iw))
        {
            throw new ToolException("(34, 'Numerical result out of range')");
        }

        return result;
    }

    private static Value Negate(Value v) => v.Type switch
    {
        ValueType.Int => Value.Of(-v.Int),
        ValueType.Float => Value.Of(-v.Float),
        _ => throw new ToolException("bad operand type for unary -: 'tuple'"),
    };

    private static Value Positive(Value v) =>
        v.Type == ValueType.Tuple ? throw new ToolException("bad operand type for unary +: 'tuple'") : v;

    private static Value CheckedInt(BigInteger i) =>
        i.GetBitLength() > MaxIntBits ? throw new ToolException("int too large to convert to float") : Value.Of(i);

    private static ToolException Unsupported(string op, Value a, Value b) =>
        new($"unsupported operand type(s) for {op}: '{a.TypeName}' and '{b.TypeName}'");

    /// <summary>num / den (both positive) correctly rounded to a double (round half to even), as CPython's int true division.</summary>
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

    private enum ValueType
    {
        Int,
        Float,
        Tuple,
    }

    private enum TokenKind
    {
        Number,
        Operator,
        Open,
        Close,
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Depth);

    private readonly record struct Value(ValueType Type, BigInteger Int, double Float)
    {
        public static readonly Value EmptyTuple = new(ValueType.Tuple, BigInteger.Zero, 0);

        public string TypeName => Type switch
        {
            ValueType.Int => "int",
            ValueType.Float => "float",
            _ => "tuple",
        };

        public static Value Of(BigInteger i) => new(ValueType.Int, i, 0);

        public static Value Of(double d) => new(ValueType.Float, BigInteger.Zero, d);
    }

    /// <summary>
    /// Python's expression grammar restricted to these tokens: sum (<c>+ -</c>), term (<c>* / //</c>), factor (unary
    /// <c>+ -</c>), power (<c>**</c>, right-associative, binding tighter than a unary sign on its left), primary (calls),
    /// atom (number, parenthesized expression, <c>()</c>). The whole expression is parsed before anything is
    /// evaluated, as Python compiles before it runs.
    /// </summary>
    private sealed class Parser(List<Token> tokens)
    {
        private int _position;

        public Value ParseAll()
        {
            if (tokens.Count == 0)
            {
                throw Syntax("invalid syntax", line: 0);
            }

            var tree = Sum();
            if (_position < tokens.Count)
            {
                throw Unexpected();
            }

            return tree.Evaluate();
        }

        private Token? Peek => _position < tokens.Count ? tokens[_position] : null;

        private bool At(string text) => Peek is { } t && t.Kind != TokenKind.Number && t.Text == text;

        private ToolException Unexpected()
        {
            // After a complete expression inside parentheses, another one starting is Python's "forgot a comma?".
            var t = Peek;
            return t is { Kind: TokenKind.Number, Depth: > 0 } && _position > 0 && tokens[_position - 1].Kind is TokenKind.Number or TokenKind.Close
                ? Syntax("invalid syntax. Perhaps you forgot a comma?")
                : Syntax("invalid syntax");
        }

        private Node Sum()
        {
            var left = Term();
            while (At("+") || At("-"))
            {
                var op = tokens[_position++].Text;
                var right = Term();
                var l = left;
                left = new Node(() => Add(l.Evaluate(), right.Evaluate(), op));
            }

            return left;
        }

        private Node Term()
        {
            var left = Factor();
            while (At("*") || At("/") || At("//"))
            {
                var op = tokens[_position++].Text;
                var right = Factor();
                var l = left;
                left = op switch
                {
                    "*" => new Node(() => Multiply(l.Evaluate(), right.Evaluate())),
                    "/" => new Node(() => Divide(l.Evaluate(), right.Evaluate())),
                    _ => new Node(() => FloorDivide(l.Evaluate(), right.Evaluate())),
                };
            }

            return left;
        }

        private Node Factor()
        {
            if (At("-") || At("+"))
            {
                var op = tokens[_position++].Text;
                var operand = Factor();
                return op == "-" ? new Node(() => Negate(operand.Evaluate())) : new Node(() => Positive(operand.Evaluate()));
            }

            return PowerExpression();
        }

        private Node PowerExpression()
        {
            var primary = Primary();
            if (!At("**"))
            {
                return primary;
            }

            _position++;
            var exponent = Factor();
            return new Node(() => Power(primary.Evaluate(), exponent.Evaluate()));
        }

        private Node Primary()
        {
            var atom = Atom();
            while (Peek is { Kind: TokenKind.Open })
            {
                // A call: the callee, then its argument, are evaluated before Python finds it is not callable.
                _position++;
                Node? argument = null;
                if (Peek is not { Kind: TokenKind.Close })
                {
                    argument = Sum();
                }

                if (Peek is not { Kind: TokenKind.Close })
                {
                    throw Unexpected();
                }

                _position++;
                var callee = atom;
                atom = new Node(() =>
                {
                    var f = callee.Evaluate();
                    argument?.Evaluate();
                    throw new ToolException($"'{f.TypeName}' object is not callable");
                });
            }

            return atom;
        }

        private Node Atom()
        {
            var t = Peek ?? throw Syntax("invalid syntax");
            switch (t.Kind)
            {
                case TokenKind.Number:
                    _position++;
                    if (t.Text.Contains('.', StringComparison.Ordinal))
                    {
                        var d = double.Parse(t.Text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
                        return new Node(() => Value.Of(d));
                    }

                    var i = BigInteger.Parse(t.Text, NumberStyles.None, CultureInfo.InvariantCulture);
                    return new Node(() => Value.Of(i));
                case TokenKind.Open:
                    _position++;
                    if (Peek is { Kind: TokenKind.Close })
                    {
                        _position++;
                        return new Node(() => Value.EmptyTuple);
                    }

                    var inner = Sum();
                    if (Peek is not { Kind: TokenKind.Close })
                    {
                        throw Unexpected();
                    }

                    _position++;
                    return inner;
                default:
                    throw Unexpected();
            }
        }
    }

    private sealed class Node(Func<Value> evaluate)
    {
        public Value Evaluate() => evaluate();
    }
}
