using System.Diagnostics;
using Matrix.Mpi.Ranks;

namespace Matrix.Mpi.Transport;

/// <summary>Throughput of <see cref="NetMqPeerTransport"/> between two in-process ranks over loopback (for <c>matrix bench</c>; not a test).</summary>
public static class TransportBenchmark
{
    /// <summary>
    /// Connects two ranks on 127.0.0.1, warms up, then has rank 0 send <paramref name="messages"/> messages of
    /// <paramref name="size"/> bytes to rank 1 as fast as <see cref="NetMqPeerTransport.SendAsync"/> accepts them,
    /// and returns messages per second from the first send to the last delivery. Both ranks share this process
    /// (and NetMQ's I/O thread), so separate processes do at least as well.
    /// </summary>
    public static async Task<double> MeasureMessagesPerSecondAsync(int messages, int size, bool secure, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(messages, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var options = new TransportOptions { Secure = secure, BindAddress = "127.0.0.1", AdvertiseHost = "127.0.0.1" };
        var exchanges = LocalRankExchange.Create(2);
        var transports = await Task.WhenAll(exchanges.Select(e => NetMqPeerTransport.ConnectAsync(e, options, ct))).ConfigureAwait(false);
        try
        {
            var warmup = Math.Min(10_000, Math.Max(100, messages / 10));
            var warmedUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            long received = 0;
            transports[1].Start((_, _) =>
            {
                var n = ++received;
                if (n == warmup)
                {
                    warmedUp.TrySetResult();
                }
                else if (n == warmup + messages)
                {
                    finished.TrySetResult();
                }
            });
            transports[0].Start((_, _) => { });

            var payload = new byte[size];
            Random.Shared.NextBytes(payload);
            for (var i = 0; i < warmup; i++)
            {
                await transports[0].SendAsync(1, payload, ct).ConfigureAwait(false);
            }

            await warmedUp.Task.WaitAsync(ct).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < messages; i++)
            {
                await transports[0].SendAsync(1, payload, ct).ConfigureAwait(false);
            }

            await finished.Task.WaitAsync(ct).ConfigureAwait(false);
            return messages / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var transport in transports)
            {
                await transport.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var exchange in exchanges)
            {
                exchange.Dispose();
            }
        }
    }
}
