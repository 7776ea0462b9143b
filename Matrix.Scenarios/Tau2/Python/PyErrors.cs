using System.Globalization;
using Matrix.Scenarios.Tau2.Env;

namespace Matrix.Scenarios.Tau2.Python;

/// <summary>
/// Python's exception texts for what <c>calculate</c> and the Python-number helpers can raise. tau2-bench sends
/// <c>Error: {str(e)}</c> as the tool message, so these texts reach the model and must be CPython 3.11's, word for word.
/// </summary>
internal static class PyErrors
{
    public const string InvalidSyntax = "invalid syntax";
    public const string ForgotComma = "invalid syntax. Perhaps you forgot a comma?";
    public const string NeverClosed = "'(' was never closed";
    public const string UnmatchedClose = "unmatched ')'";
    public const string StarredHere = "cannot use starred expression here";
    public const string DoubleStarredHere = "cannot use double starred expression here";

    public const string LeadingZeros =
        "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers";

    /// <summary>A <c>SyntaxError</c> of <c>eval</c>: <c>str()</c> appends the file name and line (line 0 when there is no token at all).</summary>
    public static ToolException Syntax(string message, int line = 1) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{message} (<string>, line {line})"));

    /// <summary><c>OverflowError</c> of <c>float(int)</c>.</summary>
    public static ToolException IntTooLarge() => new("int too large to convert to float");

    /// <summary><c>float(x)</c> of something that is not a number.</summary>
    public static ToolException NotAReal(string typeName) => new($"float() argument must be a string or a real number, not '{typeName}'");

    public static ToolException Unsupported(string op, string left, string right) =>
        new($"unsupported operand type(s) for {op}: '{left}' and '{right}'");

    public static ToolException BadUnary(char op, string typeName) => new($"bad operand type for unary {op}: '{typeName}'");

    public static ToolException NotCallable(string typeName) => new($"'{typeName}' object is not callable");
}
