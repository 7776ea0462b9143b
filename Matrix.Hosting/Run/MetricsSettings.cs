using Matrix.Engine.Settings;

namespace Matrix.Hosting.Run;

/// <summary>Settings of the live metrics endpoint (docs/metrics.md).</summary>
internal static class MetricsSettings
{
    public const string Port = "metrics.port";
    public const string LingerSeconds = "metrics.linger_seconds";

    public static void Declare(SettingsSchema schema) => schema
        .Int(Port, 0, "Serve Prometheus metrics on this port plus the rank's local rank (--metrics-port); 0: off.", 0, 65535)
        .Double(LingerSeconds, 0, "With metrics on: keep serving the final values this many seconds after the run, so a last scrape sees them (Ctrl-C ends the wait).", 0, 86400);
}
