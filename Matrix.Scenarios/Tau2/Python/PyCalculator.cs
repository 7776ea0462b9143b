using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Python;

/// <summary>
/// tau2-bench's <c>calculate</c> tool: <c>str(round(float(eval(expression)), 2))</c> over the characters
/// <c>0123456789+-*/(). </c>, with CPython 3.11's results and error texts (checked against it on tens of thousands of
/// random and malformed expressions). Those characters reach more of Python than arithmetic: ints are exact and
/// unbounded, <c>()</c> is a tuple, <c>...</c> is Ellipsis and <c>3(4)</c> a call. Known differences, all exotic: a
/// complex intermediate (a negative number to a fractional power) is refused where it arises instead of being carried
/// through later operations, and ints past a size limit (a power past 65,536 bits, a sum or product past 262,144) are
/// refused with <c>float()</c>'s error even when a later <c>//</c> would bring them back into float range.
/// </summary>
internal static class PyCalculator
{
    private const string Allowed = "0123456789+-*/(). ";

    public static string Calculate(string expression)
    {
        if (!expression.All(c => Allowed.Contains(c, StringComparison.Ordinal)))
        {
            throw new ToolException("Invalid characters in expression");
        }

        var tokens = PyTokenizer.Tokenize(expression, out var openAtEnd);
        var value = PyParser.Parse(tokens, openAtEnd).Evaluate();
        return PyNumbers.Str(PyNumbers.Round(value.ToFloat(), 2));
    }
}
