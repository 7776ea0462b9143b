using Matrix.Engine.Settings;

namespace Matrix.Hosting.Run;

/// <summary>Settings of the peer transport between ranks (used only under srun or mpiexec).</summary>
internal static class TransportSettings
{
    public const string Secure = "transport.secure";
    public const string Bind = "transport.bind";
    public const string AdvertiseHost = "transport.advertise_host";
    public const string ConnectTimeout = "transport.connect_timeout_seconds";

    public static void Declare(SettingsSchema schema) => schema
        .Bool(Secure, true, "Encrypt (CurveZMQ) and authenticate (per-job MAC) traffic between ranks; false only for debugging.")
        .String(Bind, "*", "Address each rank binds its socket to ('*': every interface).")
        .String(AdvertiseHost, null, "Host name or address other ranks connect to (default: this host's name).")
        .Double(ConnectTimeout, 30, "Seconds to reach every peer at start before failing with the peer's name.", 0.1);
}
