using System.Globalization;
using System.Numerics;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Python;

/// <summary>A parsed expression, evaluated only once the whole text has parsed (Python compiles before it runs).</summary>
internal sealed class PyNode(Func<PyValue> evaluate)
{
    public PyValue Evaluate() => evaluate();
}

/// <summary>
/// Python's expression grammar over <see cref="PyTokenizer"/>'s tokens: sum (<c>+ -</c>), term (<c>* / //</c>),
/// factor (unary <c>+ -</c>), power (<c>**</c>, right-associative, binding tighter than a unary sign on its left),
/// primary (calls, attribute access), atom (number, <c>...</c>, parentheses, <c>()</c>).
/// <para>
/// Which <c>SyntaxError</c> CPython reports depends on how far its parser read, not only where it failed: reading
/// the end of the text while a <c>(</c> is open is the tokenizer error <c>'(' was never closed</c>, which wins over
/// everything else. Its error pass also reads on at some failures: after <c>a b</c> it parses all of <c>b</c>
/// (then, inside parentheses, says <c>Perhaps you forgot a comma?</c>), and after <c>(*</c> or <c>(**</c> it parses
/// the starred operand. So the parser tracks the furthest token read, and reads what CPython reads.
/// </para>
/// </summary>
internal sealed class PyParser
{
    private readonly List<PyToken> _tokens;
    private readonly int _openAtEnd;
    private int _position;
    private int _furthest;

    /// <summary>Parsing the <c>b</c> of <c>a b</c>: CPython does it with its error rules off and just stops at a failure.</summary>
    private bool _probing;

    private PyParser(List<PyToken> tokens, int openAtEnd)
    {
        _tokens = tokens;
        _openAtEnd = openAtEnd;
    }

    private enum ArgumentKind
    {
        Plain,
        Star,
        DoubleStar,
    }

    private PyToken? Peek
    {
        get
        {
            _furthest = Math.Max(_furthest, _position);
            return _position < _tokens.Count ? _tokens[_position] : null;
        }
    }

    public static PyNode Parse(List<PyToken> tokens, int openAtEnd)
    {
        if (tokens.Count == 0)
        {
            throw PyErrors.Syntax(PyErrors.InvalidSyntax, line: 0);
        }

        var parser = new PyParser(tokens, openAtEnd);
        var tree = parser.Sum();
        return parser.Peek is null ? tree : throw parser.Fail();
    }

    private bool At(string op) => Peek is { Kind: PyTokenKind.Operator } t && t.Text == op;

    private Exception Fail()
    {
        if (_probing)
        {
            return new ProbeEnd();
        }

        // A value right after a complete expression: CPython's error pass parses it as an expression of its own.
        var comma = false;
        if (Peek is { Kind: PyTokenKind.Number or PyTokenKind.Ellipsis } t && _position > 0
            && _tokens[_position - 1].Kind is PyTokenKind.Number or PyTokenKind.Close or PyTokenKind.Ellipsis)
        {
            Probe();
            comma = t.Depth > 0;
        }

        return _furthest >= _tokens.Count && _openAtEnd > 0
            ? PyErrors.Syntax(PyErrors.NeverClosed)
            : PyErrors.Syntax(comma ? PyErrors.ForgotComma : PyErrors.InvalidSyntax);
    }

    /// <summary>An error of CPython's error pass (one it only looks for after a failure), or the end of a probe.</summary>
    private Exception ErrorPass(string message) => _probing ? new ProbeEnd() : PyErrors.Syntax(message);

    private void Probe()
    {
        var start = _position;
        _probing = true;
        try
        {
            Sum();
        }
        catch (ProbeEnd)
        {
            // b ends where it stops parsing; only how far it read matters.
        }
        finally
        {
            _probing = false;
            _position = start;
        }
    }

    private PyNode Sum()
    {
        var left = Term();
        while (At("+") || At("-"))
        {
            var op = _tokens[_position++].Text;
            var right = Term();
            var l = left;
            left = op == "+"
                ? new PyNode(() => PyOperators.Add(l.Evaluate(), right.Evaluate()))
                : new PyNode(() => PyOperators.Subtract(l.Evaluate(), right.Evaluate()));
        }

        return left;
    }

    private PyNode Term()
    {
        var left = Factor();
        while (At("*") || At("/") || At("//"))
        {
            var op = _tokens[_position++].Text;
            var right = Factor();
            var l = left;
            left = op switch
            {
                "*" => new PyNode(() => PyOperators.Multiply(l.Evaluate(), right.Evaluate())),
                "/" => new PyNode(() => PyOperators.Divide(l.Evaluate(), right.Evaluate())),
                _ => new PyNode(() => PyOperators.FloorDivide(l.Evaluate(), right.Evaluate())),
            };
        }

        return left;
    }

    private PyNode Factor()
    {
        if (At("-") || At("+"))
        {
            var op = _tokens[_position++].Text;
            var operand = Factor();
            return op == "-" ? new PyNode(() => PyOperators.Negate(operand.Evaluate())) : new PyNode(() => PyOperators.Positive(operand.Evaluate()));
        }

        var primary = Primary();
        if (!At("**"))
        {
            return primary;
        }

        _position++;
        var exponent = Factor();
        return new PyNode(() => PyOperators.Power(primary.Evaluate(), exponent.Evaluate()));
    }

    private PyNode Primary()
    {
        var atom = Atom();
        while (true)
        {
            if (At("."))
            {
                // Attribute access wants a name after the point, and there are no letters: the token after it fails.
                _position++;
                _ = Peek;
                throw Fail();
            }

            if (Peek is not { Kind: PyTokenKind.Open })
            {
                return atom;
            }

            _position++;
            var (kind, argument) = Peek is { Kind: PyTokenKind.Close } ? (ArgumentKind.Plain, null) : Argument();
            if (Peek is not { Kind: PyTokenKind.Close })
            {
                throw Fail();
            }

            _position++;
            atom = Call(atom, kind, argument);
        }
    }

    /// <summary>A call's argument: an expression, <c>*iterable</c> or <c>**mapping</c>.</summary>
    private (ArgumentKind Kind, PyNode? Node) Argument()
    {
        var kind = At("*") ? ArgumentKind.Star : At("**") ? ArgumentKind.DoubleStar : ArgumentKind.Plain;
        if (kind != ArgumentKind.Plain)
        {
            _position++;
        }

        return (kind, Sum());
    }

    /// <summary>No number is callable; CPython evaluates the callee and its argument first, then unpacks a starred one.</summary>
    private static PyNode Call(PyNode callee, ArgumentKind kind, PyNode? argument) => new(() =>
    {
        var f = callee.Evaluate();
        var value = argument?.Evaluate();
        if (value is { } v && kind == ArgumentKind.DoubleStar)
        {
            throw new ToolException($"{f.Str()} argument after ** must be a mapping, not {v.TypeName}");
        }

        if (value is { } w && kind == ArgumentKind.Star && w.Type != PyType.Tuple)
        {
            throw new ToolException($"{f.Str()} argument after * must be an iterable, not {w.TypeName}");
        }

        throw PyErrors.NotCallable(f.TypeName);
    });

    private PyNode Atom()
    {
        switch (Peek)
        {
            case { Kind: PyTokenKind.Number } t:
                _position++;
                return Literal(t.Text);
            case { Kind: PyTokenKind.Ellipsis }:
                _position++;
                return new PyNode(() => PyValue.Ellipsis);
            case { Kind: PyTokenKind.Open }:
                _position++;
                return Group();
            default:
                throw Fail();
        }
    }

    /// <summary>After <c>(</c>: <c>()</c>, a parenthesized expression, or a starred one (allowed only in a tuple with commas).</summary>
    private PyNode Group()
    {
        if (Peek is { Kind: PyTokenKind.Close })
        {
            _position++;
            return new PyNode(() => PyValue.EmptyTuple);
        }

        // (*x is read by the tuple rule, on every pass and inside a probe; (**x only by the error pass, off in a probe.
        var starred = At("*") ? PyErrors.StarredHere : At("**") && !_probing ? PyErrors.DoubleStarredHere : null;
        if (starred is not null)
        {
            _position++;
        }

        var inner = Sum();
        if (Peek is not { Kind: PyTokenKind.Close })
        {
            throw Fail();
        }

        if (starred is not null)
        {
            throw ErrorPass(starred);
        }

        _position++;
        return inner;
    }

    private static PyNode Literal(string text)
    {
        if (text.Contains('.', StringComparison.Ordinal))
        {
            var d = double.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            return new PyNode(() => PyValue.Of(d));
        }

        var i = BigInteger.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        return new PyNode(() => PyValue.Of(i));
    }

    /// <summary>Ends a probe (<see cref="_probing"/>); never escapes the parser.</summary>
    private sealed class ProbeEnd : Exception
    {
    }
}
