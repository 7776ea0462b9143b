using System.Globalization;
using Matrix.Engine.Llm.Sim;
using Matrix.Engine.Scenarios;
using Matrix.Hosting.Cli;
using Matrix.Hosting.SimServer;
using SimLlmServer = Matrix.Hosting.SimServer.SimServer;

namespace Matrix.Hosting.Commands;

/// <summary>
/// <c>matrix sim-server</c>: serves the simulated LLM until interrupted, with every scenario's responders (in scenario
/// order), since one server serves runs of any of them.
/// </summary>
internal static class SimServerCommand
{
    public static async Task<int> ExecuteAsync(SimServerVerb verb, IReadOnlyList<Scenario> scenarios, HostConsole console, CancellationToken cancellationToken)
    {
        using var loggers = Logging.LogOptions.CreateFactory(console, verb.LogLevel, verb.LogFormat, new Logging.LogRank());
        if (verb.Port is < 0 or > 65535)
        {
            throw new UsageException($"--port must be between 0 and 65535, got {verb.Port}");
        }

        foreach (var (name, rate) in new[] { ("--fail-rate", verb.FailRate), ("--permanent-fail-rate", verb.PermanentFailRate), ("--hang-rate", verb.HangRate), ("--truncate-rate", verb.TruncateRate) })
        {
            if (rate is < 0 or > 1)
            {
                throw new UsageException($"{name} must be between 0 and 1, got {rate.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        if (verb.MaxContext is < 1)
        {
            throw new UsageException($"--max-context must be at least 1, got {verb.MaxContext}");
        }

        string? apiKey = null;
        if (verb.ApiKeyEnv is { } variable)
        {
            apiKey = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(apiKey))
            {
                throw new UsageException($"--api-key-env: the environment variable '{variable}' is not set");
            }
        }

        var fleet = new SimFleetOptions();
        fleet = fleet with
        {
            Replicas = verb.Replicas ?? fleet.Replicas,
            SlotsPerReplica = verb.Slots ?? fleet.SlotsPerReplica,
            DecodeStepMillis = verb.DecodeMs ?? fleet.DecodeStepMillis,
            ZeroLatency = verb.ZeroLatency,
        };
        var options = new SimServerOptions
        {
            Host = verb.Host,
            Port = verb.Port,
            Fleet = fleet,
            Responders = [.. scenarios.SelectMany(s => s.SimResponders)],
            FailRate = verb.FailRate,
            PermanentFailRate = verb.PermanentFailRate,
            HangRate = verb.HangRate,
            FailStatus = verb.FailStatus,
            TruncateRate = verb.TruncateRate,
            MaxContextTokens = verb.MaxContext,
            ApiKey = apiKey,
        };

        await using var server = await SimLlmServer.StartAsync(options, cancellationToken).ConfigureAwait(false);
        var capacity = fleet.ZeroLatency ? "zero latency" : string.Create(CultureInfo.InvariantCulture, $"capacity ~{fleet.CapacityTokensPerSecond:0} tokens/s");
        await console.Out.WriteLineAsync($"matrix sim-server listening on {server.BaseUrl} ({fleet.Replicas} replicas x {fleet.SlotsPerReplica} slots, {capacity})").ConfigureAwait(false);
        await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        Logging.HostLog.SimServerListening(loggers.CreateLogger(Logging.HostLog.Category), server.BaseUrl.ToString());
        try
        {
            await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        return ExitCodes.Success;
    }
}
