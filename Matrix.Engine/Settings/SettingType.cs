namespace Matrix.Engine.Settings;

/// <summary>The type of a setting's value; <see cref="SettingsSchema"/> parses and checks values against it.</summary>
public enum SettingType
{
    Int,
    Long,
    Double,
    Bool,
    String,

    /// <summary>A comma-separated list (in YAML also a sequence).</summary>
    StringList,

    /// <summary>A JSON object (in YAML also a mapping), kept as its compact JSON text.</summary>
    JsonObject,
}
