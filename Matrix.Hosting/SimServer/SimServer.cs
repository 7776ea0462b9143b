using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Http;
using Matrix.Engine.Llm.Sim;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Matrix.Hosting.SimServer;

/// <summary>
/// The simulated LLM as an OpenAI-compatible HTTP server (<c>matrix sim-server</c>, and tests of the HTTP client):
/// <c>POST /v1/chat/completions</c> answers exactly what the in-process <see cref="SimulatedLlm"/> answers, after
/// the same simulated fleet time; <c>GET /v1/models</c>; <c>GET /health</c>. Optional fault injection.
/// </summary>
public sealed class SimServer : IAsyncDisposable
{
    private const ulong PermanentSalt = 0x9E3779B97F4A7C15UL;
    private const ulong HangSalt = 0xC2B2AE3D27D4EB4FUL;
    private const ulong FailSalt = 0x165667B19E3779F9UL;
    private const ulong TruncateSalt = 0x27D4EB2F165667C5UL;

    private readonly WebApplication _app;
    private readonly SimulatedLlm _llm;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<ulong, int> _attempts = new();
    private readonly CancellationToken _stopping;
    private long _requests;
    private long _completed;
    private long _injectedFailures;
    private long _injectedHangs;
    private long _badRequests;
    private long _injectedTruncations;
    private long _unauthorized;
    private int _disposed;

    private SimServer(SimServerOptions options, WebApplication app, SimulatedLlm llm, LlmCounters counters)
    {
        Options = options;
        _app = app;
        _llm = llm;
        Counters = counters;
        _time = options.Time ?? TimeProvider.System;
        _stopping = app.Lifetime.ApplicationStopping;
    }

    public SimServerOptions Options { get; }

    /// <summary>The port the server listens on (the chosen one when <see cref="SimServerOptions.Port"/> was 0).</summary>
    public int Port { get; private set; }

    /// <summary>The base URL for clients, e.g. <c>http://127.0.0.1:PORT/v1</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Tokens served (requests answered and their usage), as the in-process simulator counts them.</summary>
    public LlmCounters Counters { get; }

    /// <summary>Chat completion requests received (every attempt, faulty or not).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Chat completion requests answered with 200.</summary>
    public long Completed => Interlocked.Read(ref _completed);

    /// <summary>Requests answered with an injected error status.</summary>
    public long InjectedFailures => Interlocked.Read(ref _injectedFailures);

    /// <summary>Requests left hanging on purpose.</summary>
    public long InjectedHangs => Interlocked.Read(ref _injectedHangs);

    /// <summary>Every injected fault: <see cref="InjectedFailures"/> + <see cref="InjectedHangs"/>.</summary>
    public long InjectedFaults => InjectedFailures + InjectedHangs;

    /// <summary>Answers cut off on purpose (<see cref="SimServerOptions.TruncateRate"/>).</summary>
    public long InjectedTruncations => Interlocked.Read(ref _injectedTruncations);

    /// <summary>Requests refused with 401 for a missing or wrong API key.</summary>
    public long Unauthorized => Interlocked.Read(ref _unauthorized);

    /// <summary>Malformed requests answered with 400.</summary>
    public long BadRequests => Interlocked.Read(ref _badRequests);

    public static async Task<SimServer> StartAsync(SimServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Fleet);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535, nameof(options));
        CheckRate(options.FailRate, nameof(options.FailRate));
        CheckRate(options.PermanentFailRate, nameof(options.PermanentFailRate));
        CheckRate(options.HangRate, nameof(options.HangRate));
        CheckRate(options.TruncateRate, nameof(options.TruncateRate));
        if (options.RetryAfterSeconds is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RetryAfterSeconds, "RetryAfterSeconds must not be negative.");
        }

        if (options.FailStatus is < 400 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.FailStatus, "FailStatus must be an HTTP error status (400-599).");
        }

        var address = await ResolveAsync(options.Host, cancellationToken).ConfigureAwait(false);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });

        // Hermetic: no appsettings.json, ASPNETCORE_URLS or Kestrel endpoints from the environment, no console log.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, QuietLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(address, options.Port);
        });

        var app = builder.Build();
        var counters = new LlmCounters();
        var server = new SimServer(options, app, new SimulatedLlm(options.Fleet, counters, options.Time, options.Responders), counters);
        app.MapPost("/v1/chat/completions", (RequestDelegate)server.HandleChatAsync);
        app.MapGet("/v1/models", (RequestDelegate)server.HandleModelsAsync);
        app.MapGet("/health", (RequestDelegate)(static ctx => ctx.Response.WriteAsync("ok", ctx.RequestAborted)));

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.Port = new Uri(bound).Port;
        var host = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) ? Dns.GetHostName() : address.ToString();
        server.BaseUrl = new UriBuilder(Uri.UriSchemeHttp, host, server.Port, "/v1").Uri;
        return server;
    }

    /// <summary>Serves until <paramref name="cancellationToken"/> fires (or <see cref="StopAsync"/> is called), then stops.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops listening; requests in flight (simulated decoding, injected hangs) are cut short.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task HandleChatAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (!await AuthorizedAsync(context).ConfigureAwait(false))
        {
            return;
        }

        using var abort = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        var ct = abort.Token;
        try
        {
            JsonDocument document;
            try
            {
                document = await JsonDocument.ParseAsync(context.Request.Body, default, ct).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                await BadRequestAsync(context, $"the request body is not valid JSON: {ex.Message}").ConfigureAwait(false);
                return;
            }

            using (document)
            {
                var root = document.RootElement;
                Options.OnRequest?.Invoke(root.GetRawText(), context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null);
                var key = DistinctKey(root);
                var taskId = context.Request.Headers[OpenAiWire.TaskIdHeader].ToString();
                LlmRequest request;
                string? model;
                try
                {
                    request = OpenAiWire.ReadRequest(root, taskId.Length > 0 ? taskId : key.ToString("x16", CultureInfo.InvariantCulture), out model);
                }
                catch (InvalidDataException ex)
                {
                    await BadRequestAsync(context, ex.Message).ConfigureAwait(false);
                    return;
                }

                if (Options.MaxContextTokens is { } max && SimTokens.Prompt(request) + request.MaxTokens > max)
                {
                    var asked = SimTokens.Prompt(request) + request.MaxTokens;
                    await BadRequestAsync(context, string.Create(CultureInfo.InvariantCulture, $"This model's maximum context length is {max} tokens. However, you requested {asked} tokens ({SimTokens.Prompt(request)} in the messages, {request.MaxTokens} in the completion). Please reduce the length of the messages or completion.")).ConfigureAwait(false);
                    return;
                }

                var fault = FaultOf(key);
                switch (fault)
                {
                    case Fault.Fail:
                        Interlocked.Increment(ref _injectedFailures);
                        if (Options.RetryAfterSeconds is { } retryAfter)
                        {
                            context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                        }

                        await WriteJsonAsync(context, Options.FailStatus, w => OpenAiWire.WriteError(w, "injected fault (sim-server fault injection)", "server_error", Options.FailStatus)).ConfigureAwait(false);
                        return;
                    case Fault.Hang:
                        Interlocked.Increment(ref _injectedHangs);
                        await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                        return;
                }

                var response = await _llm.CompleteAsync(request, ct).ConfigureAwait(false);
                var id = "chatcmpl-" + key.ToString("x16", CultureInfo.InvariantCulture);
                var created = _time.GetUtcNow().ToUnixTimeSeconds();
                if (fault == Fault.Truncate)
                {
                    Interlocked.Increment(ref _injectedTruncations);
                    await WriteJsonAsync(context, StatusCodes.Status200OK, w => OpenAiWire.WriteResponse(w, response, id, model ?? "sim", created), truncate: true).ConfigureAwait(false);
                    return;
                }

                await WriteJsonAsync(context, StatusCodes.Status200OK, w => OpenAiWire.WriteResponse(w, response, id, model ?? "sim", created)).ConfigureAwait(false);
                Interlocked.Increment(ref _completed);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away, or the server is stopping: nothing to answer to / a short 503.
            if (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            }
        }
    }

    private async Task HandleModelsAsync(HttpContext context)
    {
        if (await AuthorizedAsync(context).ConfigureAwait(false))
        {
            await WriteModelsAsync(context).ConfigureAwait(false);
        }
    }

    /// <summary>With <see cref="SimServerOptions.ApiKey"/> set, refuses a request without that bearer key (401, as vLLM words it).</summary>
    private async Task<bool> AuthorizedAsync(HttpContext context)
    {
        if (Options.ApiKey is not { } key || context.Request.Headers.Authorization.ToString() == "Bearer " + key)
        {
            return true;
        }

        Interlocked.Increment(ref _unauthorized);
        await WriteJsonAsync(context, StatusCodes.Status401Unauthorized, static w =>
        {
            w.WriteStartObject();
            w.WriteString("error", "Unauthorized");
            w.WriteEndObject();
        }).ConfigureAwait(false);
        return false;
    }

    private static Task WriteModelsAsync(HttpContext context) =>
        WriteJsonAsync(context, StatusCodes.Status200OK, static w =>
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            w.WriteStartObject();
            w.WriteString("id", "sim");
            w.WriteString("object", "model");
            w.WriteString("owned_by", "matrix");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
        });

    private Task BadRequestAsync(HttpContext context, string message)
    {
        Interlocked.Increment(ref _badRequests);
        return WriteJsonAsync(context, StatusCodes.Status400BadRequest, w => OpenAiWire.WriteError(w, message, "invalid_request_error", null));
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write, bool truncate = false)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        var body = truncate ? buffer.WrittenMemory[..(buffer.WrittenCount / 2)] : buffer.WrittenMemory;
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A distinct request: stable hash of its seed and the exact bytes of its messages.</summary>
    private static ulong DistinctKey(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return 0;
        }

        var hash = StableHash.Of(root.TryGetProperty("messages", out var messages) ? JsonMarshal.GetRawUtf8Value(messages) : default);
        var seed = root.TryGetProperty("seed", out var s) && s.ValueKind == JsonValueKind.Number ? StableHash.Of(JsonMarshal.GetRawUtf8Value(s)) : 0;
        return StableHash.Mix(hash ^ StableHash.Mix(seed));
    }

    private Fault FaultOf(ulong key)
    {
        if (Options.PermanentFailRate <= 0 && Options.FailRate <= 0 && Options.HangRate <= 0 && Options.TruncateRate <= 0)
        {
            return Fault.None;
        }

        var seeded = key ^ StableHash.Mix((ulong)Options.FaultSeed);
        if (Draw(seeded, PermanentSalt) < Options.PermanentFailRate)
        {
            return Fault.Fail;
        }

        var hang = Draw(seeded, HangSalt) < Options.HangRate;
        var fail = Draw(seeded, FailSalt) < Options.FailRate;
        var truncate = Draw(seeded, TruncateSalt) < Options.TruncateRate;
        if (!hang && !fail && !truncate)
        {
            return Fault.None;
        }

        var attempt = _attempts.AddOrUpdate(key, 1, static (_, n) => n + 1);
        return attempt > 1 ? Fault.None : hang ? Fault.Hang : fail ? Fault.Fail : Fault.Truncate;
    }

    private static double Draw(ulong key, ulong salt) => StableHash.Unit(StableHash.Mix(key ^ salt));

    private static void CheckRate(double rate, string name)
    {
        if (!(rate >= 0 && rate <= 1))
        {
            throw new ArgumentOutOfRangeException(name, rate, "A rate must be between 0 and 1.");
        }
    }

    private static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        if (IPAddress.TryParse(host, out var ip))
        {
            return ip;
        }

        if (host is "*" or "+")
        {
            return IPAddress.Any;
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw new ArgumentException($"Host '{host}' has no address.", nameof(host));
    }

    private enum Fault
    {
        None,
        Fail,
        Hang,
        Truncate,
    }

    /// <summary>Leaves Ctrl+C and SIGTERM to the embedding program (the CLI stops the server through a token).</summary>
    private sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
