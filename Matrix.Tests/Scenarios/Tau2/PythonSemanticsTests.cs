using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Domains;
using Matrix.Scenarios.Tau2.Domains.Airline;
using Matrix.Scenarios.Tau2.Domains.Retail;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Json;
using Matrix.Scenarios.Tau2.Python;

namespace Matrix.Tests.Scenarios.Tau2;

/// <summary>
/// The Python semantics shared by the tau2 domains (<c>Matrix.Scenarios/Tau2/Python</c>): <c>calculate</c>,
/// <c>round</c>, <c>str</c>/<c>repr</c>. Every expected text is CPython 3.11's unless a comment says otherwise.
/// </summary>
[TestClass]
public sealed class PythonSemanticsTests
{
    [TestMethod]
    public void CalculateIsPythonsRoundedEval()
    {
        var cases = new Dictionary<string, string>
        {
            ["2 + 2"] = "4.0",
            ["1/3"] = "0.33",
            ["155.33 - 147.05 + 268.77 - 235.13"] = "41.92",
            ["3131.1 + 4777.75 + 367.38"] = "8276.23",
            ["0.125"] = "0.12", // an exact tie rounds to even
            ["2.675"] = "2.67", // 2.675 is 2.67499999... in binary
            ["-0.001"] = "-0.0",
            ["10 ** 20"] = "1e+20",
            ["-7 // 2"] = "-4.0",
            ["0/-5"] = "-0.0",
            ["-0/5"] = "0.0",
            ["-0.0//5"] = "-0.0",
            ["0//-5"] = "0.0",
            ["-2**2"] = "-4.0",
            ["99999999999999999*99999999999999999/7"] = "1.4285714285714285e+33",
            ["1/0"] = "Error: division by zero",
            ["1.0/0"] = "Error: float division by zero",
            ["2 + x"] = "Error: Invalid characters in expression",
            ["1 +"] = "Error: invalid syntax (<string>, line 1)",
            ["(1 + 2"] = "Error: '(' was never closed (<string>, line 1)",
            ["012"] = "Error: leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers (<string>, line 1)",
            ["3(4)"] = "Error: 'int' object is not callable",
            [""] = "Error: invalid syntax (<string>, line 0)",
            ["2 * ((350 - 122) + (499 - 127))"] = "1200.0",
            ["10 / 3"] = "3.33",
            ["0.375"] = "0.38",
            ["0.1 + 0.2"] = "0.3",
            ["7 // 2"] = "3.0",
            ["-2 ** 2"] = "-4.0",
            ["2 ** -1"] = "0.5",
            ["import os"] = "Error: Invalid characters in expression",
            ["1 / 0"] = "Error: division by zero",
            ["1.5 / 0"] = "Error: float division by zero",
        };
        foreach (var (expression, expected) in cases)
        {
            Assert.AreEqual(expected, Calculate(expression), expression);
        }
    }

    /// <summary>
    /// Inputs on which the retail and the airline copies of <c>calculate</c> disagreed (or both missed CPython) before
    /// they were merged; found by running both, and CPython 3.11, on 220,000 random and malformed expressions.
    /// </summary>
    [TestMethod]
    public void CalculateKeepsCPythonsAnswerWhereTheTwoCopiesDiffered()
    {
        var cases = new Dictionary<string, string>
        {
            // Syntax errors: CPython says "never closed" only when its parser reads to the end of the text.
            ["(4*/7"] = "Error: invalid syntax (<string>, line 1)",
            ["(1 +"] = "Error: '(' was never closed (<string>, line 1)",
            ["(1 2"] = "Error: '(' was never closed (<string>, line 1)",
            ["( 1 2 3"] = "Error: invalid syntax. Perhaps you forgot a comma? (<string>, line 1)",
            ["1 2 ("] = "Error: '(' was never closed (<string>, line 1)",
            ["(1 2 . ("] = "Error: invalid syntax. Perhaps you forgot a comma? (<string>, line 1)",
            ["(*"] = "Error: '(' was never closed (<string>, line 1)",
            ["(**"] = "Error: '(' was never closed (<string>, line 1)",
            ["1..2"] = "Error: invalid syntax (<string>, line 1)",
            ["(1..2)"] = "Error: invalid syntax. Perhaps you forgot a comma? (<string>, line 1)",
            ["1)"] = "Error: unmatched ')' (<string>, line 1)",
            ["(*1)"] = "Error: cannot use starred expression here (<string>, line 1)",
            ["(**2)"] = "Error: cannot use double starred expression here (<string>, line 1)",

            // Tuples, Ellipsis and calls are Python objects with Python's TypeErrors.
            ["(1)(2)"] = "Error: 'int' object is not callable",
            ["3 (4)"] = "Error: 'int' object is not callable",
            ["1(*2)"] = "Error: 1 argument after * must be an iterable, not int",
            ["1(*())"] = "Error: 'int' object is not callable",
            ["()//1"] = "Error: unsupported operand type(s) for //: 'tuple' and 'int'",
            ["-()"] = "Error: bad operand type for unary -: 'tuple'",
            ["() + 1"] = "Error: can only concatenate tuple (not \"int\") to tuple",
            ["()*(10**19)"] = "Error: cannot fit 'int' into an index-sized integer",
            ["..."] = "Error: float() argument must be a string or a real number, not 'ellipsis'",
            ["1 + ..."] = "Error: unsupported operand type(s) for +: 'int' and 'ellipsis'",

            // Numbers: int division is exact then rounded once; float ** follows CPython's float_pow.
            ["9007199254740993/1"] = "9007199254740992.0",
            ["10 ** 400 / 3"] = "Error: integer division result too large for a float",
            ["1/10**60*10**60"] = "1.0",
            ["(-2)**(10**308*10.0 - 10**308*10.0)"] = "nan",
            ["(-(10.0**308*10))**0.5"] = "inf",
            ["9**16000*9**16000//9**16000//9**15999"] = "9.0",
            ["(9**16000*9**16000-1)/9**16000"] = "Error: integer division result too large for a float",

            // Known differences, documented on PyCalculator. CPython: 2.0, and "unsupported operand type(s) for //:
            // 'complex' and 'int'".
            ["2**65536//2**65535"] = "Error: int too large to convert to float",
            ["(-1) ** 0.5 // 1"] = "Error: float() argument must be a string or a real number, not 'complex'",
        };
        foreach (var (expression, expected) in cases)
        {
            Assert.AreEqual(expected, Calculate(expression), expression);
        }
    }

    [TestMethod]
    public void PythonRoundIsExactOnTheBinaryValue()
    {
        // Expected values from CPython's round(x, 2).
        (double X, double Rounded)[] cases =
        [
            (0.285, 0.28), (1.005, 1.0), (2.675, 2.67), (0.125, 0.12), (0.375, 0.38), (44.075, 44.08), (0.045, 0.04),
            (1234.5650000000001, 1234.57), (71.96000000000001, 71.96), (5e-324, 0.0), (1.0000000000000002e16, 1.0000000000000002e16),
        ];
        foreach (var (x, rounded) in cases)
        {
            Assert.AreEqual(PyJson.Float(rounded), PyJson.Float(PyNumbers.Round(x, 2)), PyJson.Float(x));
        }

        Assert.IsTrue(double.IsNegative(PyNumbers.Round(-0.001, 2)));
        Assert.AreEqual("inf", PyNumbers.Str(double.PositiveInfinity));
        Assert.AreEqual("-inf", PyNumbers.Str(double.NegativeInfinity));
        Assert.AreEqual("nan", PyNumbers.Str(double.NaN));
    }

    [TestMethod]
    public void ReprAndDumpsLayOutTheSameTreeWithTheirOwnScalars()
    {
        var value = JsonNode.Parse("""{"a": [1, 2.50, -0, true, null, "it's", "x\"y"], "b": {}}""");
        Assert.AreEqual("""{'a': [1, 2.5, 0, True, None, "it's", 'x"y'], 'b': {}}""", PyRepr.Repr(value));

        // json.dumps keeps a number's text as the file wrote it (Python wrote the domain files).
        Assert.AreEqual("""{"a": [1, 2.50, -0, true, null, "it's", "x\"y"], "b": {}}""", PyJson.Dumps(value));
        Assert.AreEqual("it's", PyRepr.Str(JsonValue.Create("it's")));
        Assert.AreEqual("150", PyRepr.Str(JsonNode.Parse("150")));
    }

    [TestMethod]
    public void RetailAndAirlineShareTheGenericTools()
    {
        foreach (var kit in new[] { RetailDomain.Instance.AssistantTools, AirlineDomain.Instance.AssistantTools })
        {
            Assert.AreSame(GenericTools.Calculate, kit.Find("calculate"), kit.ClassName);
            Assert.AreSame(GenericTools.TransferToHumanAgents, kit.Find("transfer_to_human_agents"), kit.ClassName);
        }

        // tau2 never reads the summary (nor checks its type): any summary transfers.
        var outcome = Kit().Call("transfer_to_human_agents", """{"summary": 5}""", EmptyDatabase());
        Assert.IsFalse(outcome.IsError, outcome.Content);
        Assert.AreEqual("Transfer successful", outcome.Content);
    }

    /// <summary>The tool message tau2 sends: the result, or <c>Error: {str(e)}</c>.</summary>
    private static string Calculate(string expression)
    {
        var outcome = Kit().Call("calculate", new JsonObject { ["expression"] = expression }.ToJsonString(), EmptyDatabase());
        Assert.AreEqual(outcome.IsError, outcome.Content.StartsWith("Error: ", StringComparison.Ordinal), outcome.Content);
        return outcome.Content;
    }

    private static ToolKit Kit() => new ToolKit("GenericTools").Add(GenericTools.Calculate).Add(GenericTools.TransferToHumanAgents);

    private static TaskDatabase EmptyDatabase() => new(new DomainDatabase("none", []));
}
