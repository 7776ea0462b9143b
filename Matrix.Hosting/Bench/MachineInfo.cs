using System.Globalization;
using System.Reflection;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Matrix.Hosting.Bench;

/// <summary>The machine a bench ran on, as every figure must state it. Fields that cannot be read are null.</summary>
internal sealed record MachineInfo(
    string Host,
    int Cores,
    long? MemoryBytes,
    string? CpuModel,
    string Os,
    string DotNet,
    string Build,
    string Gc)
{
    public static MachineInfo Detect(IReadOnlyList<string> executable) => new(
        Environment.MachineName,
        Environment.ProcessorCount,
        ReadMemTotal(),
        ReadCpuModel(),
        DescribeOs(),
        RuntimeInformation.FrameworkDescription,
        DescribeBuild(executable),
        (GCSettings.IsServerGC ? "server" : "workstation") + (GCSettings.LatencyMode == GCLatencyMode.Interactive ? ", concurrent" : string.Empty));

    /// <summary>One line: "2 cores (AMD EPYC ...), 23.4 GiB, Debian GNU/Linux 12 (...), .NET 10.0.12, Release single-file".</summary>
    public string Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        var memory = MemoryBytes is { } m ? string.Create(inv, $"{m / (double)(1L << 30):0.0} GiB") : "memory unknown";
        var cpu = CpuModel is null ? string.Empty : $" ({CpuModel})";
        return string.Create(inv, $"{Cores} cores{cpu}, {memory}, {Os}, {DotNet}, {Build}, {Gc} GC, host {Host}");
    }

    /// <summary>The 1, 5 and 15 minute load averages of /proc/loadavg ("0.95 3.90 5.31"): other work on the machine skews timings.</summary>
    public static string? ReadLoadAverage()
    {
        var fields = ReadLines("/proc/loadavg").FirstOrDefault()?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields is { Length: >= 3 } ? string.Join(' ', fields[..3]) : null;
    }

    /// <summary>MemTotal of /proc/meminfo, in bytes.</summary>
    private static long? ReadMemTotal()
    {
        var line = ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: >= 2 } && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var kb) ? kb * 1024 : null;
    }

    /// <summary>The first "model name" of /proc/cpuinfo.</summary>
    private static string? ReadCpuModel()
    {
        var line = ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        var colon = line?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        return colon < 0 ? null : line![(colon + 1)..].Trim();
    }

    /// <summary>The distribution's PRETTY_NAME (/etc/os-release) and the kernel, else the runtime's description.</summary>
    private static string DescribeOs()
    {
        var pretty = ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
        var release = ReadLines("/proc/sys/kernel/osrelease").FirstOrDefault()?.Trim();
        var kernel = release is null ? Environment.OSVersion.VersionString : "Linux " + release;
        return pretty is null ? $"{RuntimeInformation.OSDescription.Trim()} ({kernel})" : $"{pretty["PRETTY_NAME=".Length..].Trim('"')} ({kernel})";
    }

    private static string DescribeBuild(IReadOnlyList<string> executable)
    {
        var configuration = typeof(MachineInfo).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "unknown";
        return executable.Count == 1
            ? $"{configuration} single-file ({executable[0]})"
            : $"{configuration}, {string.Join(' ', executable)}";
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllLines(path) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
