namespace Matrix.Engine.Settings;

/// <summary>
/// One configurable key (e.g. <c>concurrency</c>, <c>llm.max_retries</c>, <c>NAME.max_turns</c>): its type,
/// default, bounds and the help line that <c>matrix run --help-settings</c> prints.
/// </summary>
public sealed record SettingDefinition(string Key, SettingType Type, string? Default, string Help)
{
    /// <summary>Smallest allowed value for numeric settings.</summary>
    public double? Min { get; init; }

    /// <summary>Largest allowed value for numeric settings.</summary>
    public double? Max { get; init; }

    /// <summary>For string settings: the allowed values, if the set is closed.</summary>
    public IReadOnlyList<string>? Choices { get; init; }
}
