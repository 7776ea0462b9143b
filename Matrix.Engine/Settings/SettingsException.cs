namespace Matrix.Engine.Settings;

/// <summary>A user mistake in configuration: the message is the one line the user sees (exit code 2).</summary>
public sealed class SettingsException : Exception
{
    public SettingsException(string message)
        : base(message)
    {
    }

    public SettingsException()
    {
    }

    public SettingsException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
