using Matrix.Engine.Settings;

namespace Matrix.Scenarios.Generate;

/// <summary>The settings of <c>matrix run generate</c>; <c>--prompt</c>, <c>--system</c> and <c>--schema</c> set the first three.</summary>
internal static class GenerateSettings
{
    public const string Prompt = "generate.prompt";
    public const string System = "generate.system";
    public const string Schema = "generate.schema";
    public const string SchemaFile = "generate.schema_file";
    public const string IdField = "generate.id_field";
    public const string KeepInput = "generate.keep_input";

    public static void Declare(SettingsSchema schema) => schema
        .String(Prompt, null, "The user prompt: a Liquid template over the input row's fields, e.g. 'Translate to French: {{ text }}' (--prompt).")
        .String(System, null, "An optional system prompt, a Liquid template like generate.prompt (--system).")
        .Json(Schema, "An optional JSON Schema of the reply, an object schema: JSON (--schema '{...}') or a YAML mapping in --config. A reply "
            + "that parses and validates becomes one output column per top-level property; one that does not is filtered with reason "
            + "'unparsable'. Sent as response_format to pools with structured_output.")
        .String(SchemaFile, null, "The reply's JSON Schema from a file instead (--schema @FILE).")
        .String(IdField, "id", "The input field that names a row (its task id); rows without it are numbered.")
        .Bool(KeepInput, true, "Write the input row (as JSON) in the 'input' column.");
}
