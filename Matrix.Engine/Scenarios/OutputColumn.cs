using Matrix.Engine.Orchestration;

namespace Matrix.Engine.Scenarios;

/// <summary>The Arrow type of a scenario column.</summary>
public enum ColumnType
{
    Utf8,
    Bool,
    Int32,
    Int64,
    Float64,
}

/// <summary>
/// A scenario's own output column (after the columns every scenario has). <see cref="Value"/> reads it
/// from a finished task and returns null when it does not apply (e.g. a failed task); the value's CLR
/// type matches <see cref="Type"/>: string, bool, int, long or double.
/// </summary>
public sealed record OutputColumn(string Name, ColumnType Type, Func<Orchestrator, object?> Value);
