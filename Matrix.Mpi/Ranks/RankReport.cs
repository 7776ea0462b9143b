using System.Globalization;
using System.Net;
using System.Text;

namespace Matrix.Mpi.Ranks;

/// <summary>A diagnostic of a job's ranks: which host and process each rank is.</summary>
public static class RankReport
{
    /// <summary>
    /// Every rank contributes "rank/size/hostname/pid"; rank 0 returns a report with one line per rank
    /// (in rank order), the other ranks return an empty string. A collective: every rank must call it.
    /// </summary>
    public static async Task<string> DescribeAsync(IRankExchange exchange, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exchange);
        var mine = string.Create(CultureInfo.InvariantCulture, $"{exchange.Rank}/{exchange.Size}/{HostName()}/{Environment.ProcessId}");
        var all = await exchange.AllgatherAsync(Encoding.UTF8.GetBytes(mine), cancellationToken).ConfigureAwait(false);
        if (exchange.Rank != 0)
        {
            return "";
        }

        var rows = all.Select(bytes => Encoding.UTF8.GetString(bytes).Split('/', 4)).ToArray();
        var hosts = rows.Select(r => r.Length == 4 ? r[2] : "?").Distinct(StringComparer.Ordinal).Count();
        var report = new StringBuilder();
        report.Append(CultureInfo.InvariantCulture, $"{exchange.Size} rank{(exchange.Size == 1 ? "" : "s")} on {hosts} host{(hosts == 1 ? "" : "s")}").Append('\n');
        for (var r = 0; r < rows.Length; r++)
        {
            var row = rows[r];
            report.Append(row.Length == 4
                ? string.Create(CultureInfo.InvariantCulture, $"rank {row[0]}/{row[1]} host {row[2]} pid {row[3]}")
                : string.Create(CultureInfo.InvariantCulture, $"rank {r}: unreadable entry '{string.Join('/', row)}'"))
                .Append('\n');
        }

        return report.ToString();
    }

    private static string HostName()
    {
        try
        {
            return Dns.GetHostName();
        }
        catch (System.Net.Sockets.SocketException)
        {
            return Environment.MachineName;
        }
    }
}
