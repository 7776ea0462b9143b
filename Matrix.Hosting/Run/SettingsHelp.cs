using System.Globalization;
using Matrix.Engine.Settings;

namespace Matrix.Hosting.Run;

/// <summary><c>matrix run SCENARIO --help-settings</c>: every setting the run declares, its resolved value and its help.</summary>
internal static class SettingsHelp
{
    public static async Task WriteAsync(RunSettings settings, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        foreach (var def in settings.Schema.Definitions)
        {
            var value = settings.Get(def.Key) switch
            {
                null => "(unset)",
                string[] list => string.Join(',', list),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                var v => v.ToString(),
            };
            await output.WriteLineAsync($"{def.Key} = {value}\n    {def.Help}").ConfigureAwait(false);
        }
    }
}
