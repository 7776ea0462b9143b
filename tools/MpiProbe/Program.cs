// A test-only probe the MPI tests start as real ranks (mpiexec -n N dotnet MpiProbe.dll).
// Opens the rank exchange the way the engine does (Launcher: MPI under srun/mpiexec, one rank without),
// Allgathers variable-length strings (rank r contributes r+1 'x' and its rank), runs the rank report,
// Allgathers empty and large contributions, then a Barrier, and prints one JSON line per rank:
//   {"rank":0,"size":3,"launcher":"MpiExec","library":"Open MPI v4.1.4, ...","threadLevel":3,
//    "gathered":["x0","xx1","xxx2"],"emptyLengths":[0,0,0],"bigOk":true,"report":"3 ranks on 1 host\n..."}
// Exit 2 with one line on stderr for an MpiException (no library, size mismatch, failed call).
using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Matrix.Mpi.Ranks;

try
{
    return await ProbeAsync().ConfigureAwait(false);
}
catch (MpiException e)
{
    await Console.Error.WriteLineAsync("mpi-probe: " + e.Message).ConfigureAwait(false);
    return 2;
}

static async Task<int> ProbeAsync()
{
    var mpi = Launcher.Open(out var kind);
    using var exchange = mpi ?? (IRankExchange)LocalRankExchange.Create(1)[0];

    var mine = new string('x', exchange.Rank + 1) + exchange.Rank.ToString(CultureInfo.InvariantCulture);
    var gathered = await exchange.AllgatherAsync(Encoding.UTF8.GetBytes(mine)).ConfigureAwait(false);
    var report = await RankReport.DescribeAsync(exchange).ConfigureAwait(false);

    // All contributions empty (the length round alone), then large ones of different sizes.
    var empty = await exchange.AllgatherAsync(ReadOnlyMemory<byte>.Empty).ConfigureAwait(false);
    var big = new byte[(exchange.Rank + 1) * 100_000];
    Array.Fill(big, (byte)(exchange.Rank + 1));
    var bigs = await exchange.AllgatherAsync(big).ConfigureAwait(false);
    var bigOk = bigs.Length == exchange.Size
        && bigs.Select((b, r) => b.Length == (r + 1) * 100_000 && b.All(v => v == r + 1)).All(ok => ok);
    await exchange.BarrierAsync().ConfigureAwait(false);

    var buffer = new ArrayBufferWriter<byte>();
    using (var json = new Utf8JsonWriter(buffer))
    {
        json.WriteStartObject();
        json.WriteNumber("rank", exchange.Rank);
        json.WriteNumber("size", exchange.Size);
        json.WriteString("launcher", kind.ToString());
        json.WriteString("library", mpi?.LibraryVersion ?? "none");
        json.WriteNumber("threadLevel", mpi?.ThreadLevel ?? -1);
        json.WriteStartArray("gathered");
        foreach (var bytes in gathered)
        {
            json.WriteStringValue(Encoding.UTF8.GetString(bytes));
        }

        json.WriteEndArray();
        json.WriteStartArray("emptyLengths");
        foreach (var bytes in empty)
        {
            json.WriteNumberValue(bytes.Length);
        }

        json.WriteEndArray();
        json.WriteBoolean("bigOk", bigOk);
        json.WriteString("report", report);
        json.WriteEndObject();
    }

    // One write(2) per line, straight to the stdout stream: Console.Out splits text into 256-byte writes,
    // and mpiexec forwards each write as it comes, so a long line would interleave with other ranks' lines.
    buffer.Write("\n"u8);
    using (var stdout = Console.OpenStandardOutput())
    {
        stdout.Write(buffer.WrittenSpan);
        stdout.Flush();
    }

    return 0;
}
