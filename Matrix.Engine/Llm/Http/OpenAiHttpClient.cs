using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Matrix.Engine.Llm.Sim;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Matrix.Engine.Llm.Http;

/// <summary>
/// <see cref="ILlmClient"/> over the OpenAI <c>/v1/chat/completions</c> API of vLLM, SGLang, llama.cpp's server or
/// any compatible endpoint: the client of one LLM pool. A task's calls stick to one endpoint (rendezvous order of
/// task id and URL: prefix-cache reuse); a retry moves to the next endpoint (failover). Polly's retry strategy repeats
/// 429, 408, 5xx, timeouts, connection errors and 200s that are not a complete chat completion, with exponential
/// backoff and jitter, honouring <c>Retry-After</c>; a Polly circuit breaker per endpoint ejects one that keeps
/// failing (<see cref="LlmEndpoint"/>). When no endpoint of the pool is available, a call waits for one up to
/// <see cref="HttpLlmOptions.UnavailableTimeout"/>. A prompt longer than the model's context fails at once with
/// <see cref="LlmException.Reason"/> <c>context_length</c>. Thread-safe; one instance per pool and rank.
/// </summary>
public sealed class OpenAiHttpClient : ILlmClient, IDisposable, IAsyncDisposable
{
    /// <summary>How long <see cref="ProbeAsync"/> waits for each server.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private const int BodySnippetChars = 200;

    private readonly HttpLlmOptions _options;
    private readonly LlmCounters _counters;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly string _pool;
    private readonly string[] _fixedUrls;
    private readonly EndpointSet _endpoints;
    private readonly UrlsFileWatcher? _watcher;
    private readonly ResiliencePipeline<AttemptResult> _retry;
    private readonly string? _authorization;
    private readonly string _timeoutText;
    private int _waitingReported;

    public OpenAiHttpClient(HttpLlmOptions options, LlmCounters counters, TimeProvider? time = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.BaseUrls);
        ArgumentException.ThrowIfNullOrEmpty(options.Model, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RequestTimeout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConnectionsPerServer, 1, nameof(options));
        if (options.BaseUrls.Count == 0 && options.UrlsFile is null)
        {
            throw new ArgumentException("At least one base URL, or a URL file, is needed.", nameof(options));
        }

        _options = options;
        _counters = counters ?? throw new ArgumentNullException(nameof(counters));
        _time = time ?? TimeProvider.System;
        _pool = options.PoolName;
        _log = logger ?? NullLogger.Instance;
        _fixedUrls = new string[options.BaseUrls.Count];
        for (var i = 0; i < _fixedUrls.Length; i++)
        {
            _fixedUrls[i] = HttpLlmOptions.NormalizeBaseUrl(options.BaseUrls[i])
                ?? throw new ArgumentException($"'{options.BaseUrls[i]}' is not an http:// or https:// base URL.", nameof(options));
        }

        _authorization = string.IsNullOrEmpty(options.ApiKey) ? null : "Bearer " + options.ApiKey;
        _timeoutText = Seconds(options.RequestTimeout);
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = options.MaxConnectionsPerServer,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = options.RequestTimeout < TimeSpan.FromSeconds(30) ? options.RequestTimeout : TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None,
        };

        // The per-attempt timeout is ours (a linked token): HttpClient.Timeout would also count the wait for a connection.
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _endpoints = new EndpointSet(url => new LlmEndpoint(url, options, _time, OnEndpointEvent), _time);
        _endpoints.Update(_fixedUrls);
        _retry = BuildRetry(options, counters, _time);
        if (options.UrlsFile is { } file)
        {
            _watcher = new UrlsFileWatcher(file, _endpoints, _fixedUrls, options.UrlsFilePoll, _time, _log, _pool);
            try
            {
                _watcher.Start();
            }
            catch
            {
                _http.Dispose();
                throw;
            }
        }
    }

    public string Describe => _options.UrlsFile is { } file
        ? string.Join(",", _fixedUrls.Append("@" + file))
        : string.Join(",", _fixedUrls);

    public HttpLlmOptions Options => _options;

    /// <summary>The pool's endpoints now (their in-flight calls and health, read by the metrics).</summary>
    internal IReadOnlyList<LlmEndpoint> Endpoints => _endpoints.Current;

    /// <summary>The base URLs of the pool now (a URL file changes them).</summary>

    public IReadOnlyList<string> CurrentUrls => [.. _endpoints.Current.Select(e => e.BaseUrl)];

    /// <summary>The index in <see cref="CurrentUrls"/> of the endpoint that serves <paramref name="taskId"/> first while all are healthy.</summary>
    public int UrlIndexOf(string taskId) => _endpoints.HomeOf(taskId);

    /// <summary>Re-reads the pool's URL file now (it is re-read every poll period anyway).</summary>
    public void RefreshUrls() => _watcher?.Refresh();

    public async Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        _counters.OnRequest();
        byte[] body;
        try
        {
            body = OpenAiWire.WriteRequest(request, _options.Model);
        }
        catch (LlmException)
        {
            _counters.OnFailure();
            throw;
        }

        var call = new Call(this, request.TaskId, TaskIdHeaderValue(request.TaskId), body);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        AttemptResult result;
        try
        {
            context.Properties.Set(CallKey, call);
            result = await _retry.ExecuteAsync(static (ctx, c) => c.Client.AttemptAsync(c, ctx.CancellationToken), context, call).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }

        if (result.Response is { } response)
        {
            _counters.OnUsage(response.PromptTokens, response.CompletionTokens);
            return response;
        }

        _counters.OnFailure();
        cancellationToken.ThrowIfCancellationRequested();
        if (result.Kind == AttemptKind.ContextLength)
        {
            _counters.OnContextLength();
            throw new LlmException($"{result.Error}: the prompt does not fit the model's context{result.Detail}", LlmException.ContextLength);
        }

        if (!result.Retryable)
        {
            throw new LlmException($"{result.Error} (not retried){result.Detail}");
        }

        var attempts = call.Attempt + 1;
        throw new LlmException($"{result.Error} after {attempts} attempt{(attempts == 1 ? string.Empty : "s")}{result.Detail}");
    }

    /// <summary>
    /// Start-up check: <c>GET {base}/models</c> on every URL given directly (at most <see cref="ProbeTimeout"/> each, in
    /// parallel). Throws <see cref="LlmUnavailableException"/> naming the first URL that does not answer with a 2xx.
    /// URLs from the pool's file are not probed: servers that are not up yet are expected there.
    /// </summary>
    public async Task ProbeAsync(CancellationToken cancellationToken = default)
    {
        var probes = new Task<string?>[_fixedUrls.Length];
        for (var i = 0; i < probes.Length; i++)
        {
            probes[i] = ProbeOneAsync(_fixedUrls[i], cancellationToken);
        }

        await Task.WhenAll(probes).ConfigureAwait(false);
        for (var i = 0; i < probes.Length; i++)
        {
            if (await probes[i].ConfigureAwait(false) is { } problem)
            {
                throw new LlmUnavailableException($"no LLM server answers at {_fixedUrls[i]} ({problem})");
            }
        }
    }

    public void Dispose()
    {
        _watcher?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _http.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_watcher is not null)
        {
            await _watcher.DisposeAsync().ConfigureAwait(false);
        }

        _http.Dispose();
    }

    private static readonly ResiliencePropertyKey<Call> CallKey = new("matrix.call");

    private static ResiliencePipeline<AttemptResult> BuildRetry(HttpLlmOptions options, LlmCounters counters, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder<AttemptResult> { TimeProvider = time };
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<AttemptResult>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.InitialBackoff,
                MaxDelay = options.MaxBackoff,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Result.Retryable && !args.Context.CancellationToken.IsCancellationRequested),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result.RetryAfter is { } wait
                    ? (TimeSpan?)(wait < TimeSpan.Zero ? TimeSpan.Zero : wait > options.MaxBackoff ? options.MaxBackoff : wait)
                    : null),
                OnRetry = args =>
                {
                    counters.OnRetry();
                    if (args.Context.Properties.TryGetValue(CallKey, out var call))
                    {
                        call.Attempt = args.AttemptNumber + 1; // the next attempt fails over to the next endpoint
                    }

                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder.Build();
    }

    /// <summary>One attempt: an available endpoint (waiting for one if the pool has none), then the request through its breaker.</summary>
    private async ValueTask<AttemptResult> AttemptAsync(Call call, CancellationToken cancellationToken)
    {
        DateTimeOffset? deadline = null;
        LlmEndpoint? refused = null;
        while (true)
        {
            var changed = _endpoints.NextChange;
            var endpoint = _endpoints.Choose(call.TaskId, call.Attempt, refused) ?? (refused is null ? null : _endpoints.Choose(call.TaskId, call.Attempt));
            if (endpoint is null || endpoint == refused)
            {
                if (deadline is null)
                {
                    deadline = _time.GetUtcNow() + _options.UnavailableTimeout;
                    OnWaiting();
                }

                if (!await _endpoints.WaitForAvailableAsync(changed, deadline.Value, cancellationToken).ConfigureAwait(false))
                {
                    return new AttemptResult(AttemptKind.PoolUnavailable, null, $"no endpoint of LLM pool '{_options.PoolName}' was available for {Seconds(_options.UnavailableTimeout)} s", string.Empty, null);
                }

                refused = null;
                continue;
            }

            endpoint.Enter();
            try
            {
                return await endpoint.Pipeline.ExecuteAsync(
                    static (state, token) => state.Client.SendAsync(state.Endpoint, state.Call, token),
                    (Client: this, Endpoint: endpoint, Call: call),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (BrokenCircuitException)
            {
                // Ejected meanwhile, or its cooldown ended and another call is its probe: try the task's next endpoint.
                refused = endpoint;
            }
            finally
            {
                endpoint.Leave();
            }
        }
    }

    private async ValueTask<AttemptResult> SendAsync(LlmEndpoint endpoint, Call call, CancellationToken cancellationToken)
    {
        var baseUrl = endpoint.BaseUrl;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var content = new ByteArrayContent(call.Body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var message = new HttpRequestMessage(HttpMethod.Post, endpoint.Completions) { Content = content };
            message.Headers.TryAddWithoutValidation(OpenAiWire.TaskIdHeader, call.TaskHeader);
            if (_authorization is not null)
            {
                message.Headers.TryAddWithoutValidation("Authorization", _authorization);
            }

            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                try
                {
                    return AttemptResult.Ok(OpenAiWire.ReadResponse(bytes));
                }
                catch (InvalidDataException ex)
                {
                    // A 200 that is not a whole chat completion (cut off, not JSON, no choices): a replica in trouble. Retried.
                    _counters.OnMalformed();
                    return new AttemptResult(AttemptKind.EndpointFailure, null, $"malformed response from {baseUrl}: {ex.Message}", Snippet(bytes), null);
                }
            }

            var reason = string.IsNullOrEmpty(response.ReasonPhrase) ? ((HttpStatusCode)code).ToString() : response.ReasonPhrase;
            var error = $"HTTP {code} {reason} from {baseUrl}";
            var kind = code switch
            {
                408 or 429 => AttemptKind.Busy,
                502 or 503 or 504 => AttemptKind.EndpointFailure,
                >= 500 => AttemptKind.ServerError,
                _ when ContextLengthRefusal.Matches(code, Encoding.UTF8.GetString(bytes)) => AttemptKind.ContextLength,
                _ => AttemptKind.Rejected,
            };
            var retryAfter = code is 429 or 503 ? RetryAfterOf(response) : null;
            return new AttemptResult(kind, null, error, Snippet(bytes), retryAfter);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(AttemptKind.EndpointFailure, null, $"timed out after {_timeoutText} s waiting for {baseUrl}", string.Empty, null);
        }
        catch (HttpRequestException ex)
        {
            return new AttemptResult(AttemptKind.EndpointFailure, null, $"cannot reach {baseUrl} ({ReasonOf(ex)})", string.Empty, null);
        }
        catch (IOException ex)
        {
            return new AttemptResult(AttemptKind.EndpointFailure, null, $"connection to {baseUrl} broke ({ex.Message})", string.Empty, null);
        }
    }

    /// <summary>A call found no available endpoint in its pool: said once until an endpoint is available again.</summary>
    private void OnWaiting()
    {
        if (Interlocked.Exchange(ref _waitingReported, 1) == 0)
        {
            var urls = _endpoints.Current;
            if (urls.Count == 0)
            {
                _log.NoEndpoints(_pool, _options.UrlsFile is { } f ? $" in {f}" : string.Empty, Seconds(_options.UnavailableTimeout));
            }
            else
            {
                _log.AllEjected(_pool, string.Join(", ", urls.Select(u => u.BaseUrl)), Seconds(_options.UnavailableTimeout));
            }
        }
    }

    private void OnEndpointEvent(LlmEndpoint endpoint, EndpointEvent e, TimeSpan cooldown)
    {
        if (e == EndpointEvent.Ejected)
        {
            _counters.OnEjection();
            _log.EndpointEjected(_pool, endpoint.BaseUrl, Seconds(cooldown));
            _endpoints.Signal(); // waiters recompute when to look again
        }
        else
        {
            _log.EndpointBack(_pool, endpoint.BaseUrl);
            Interlocked.Exchange(ref _waitingReported, 0);
            _endpoints.Signal();
        }
    }

    private async Task<string?> ProbeOneAsync(string baseUrl, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        var models = new Uri(baseUrl + "/models");
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Get, models);
            if (_authorization is not null)
            {
                message.Headers.TryAddWithoutValidation("Authorization", _authorization);
            }

            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            var code = (int)response.StatusCode;
            var hint = code switch
            {
                404 when !baseUrl.EndsWith("/v1", StringComparison.Ordinal) => "; base URLs usually end with /v1",
                401 or 403 => _authorization is null ? "; the server wants an API key: set the pool's api_key_env" : "; the API key was refused",
                _ => string.Empty,
            };
            return $"GET {models.AbsolutePath} answered HTTP {code} {response.ReasonPhrase}{hint}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {Seconds(ProbeTimeout)} s";
        }
        catch (HttpRequestException ex)
        {
            return ReasonOf(ex);
        }
        catch (IOException ex)
        {
            return ex.Message;
        }
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        return header?.Date is { } date ? date - DateTimeOffset.UtcNow : null;
    }

    private static string ReasonOf(HttpRequestException ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket.Message;
            }
        }

        return ex.Message;
    }

    private static string Snippet(byte[] body)
    {
        if (body.Length == 0)
        {
            return string.Empty;
        }

        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, BodySnippetChars * 4));
        if (text.Length > BodySnippetChars)
        {
            text = text[..BodySnippetChars];
        }

        return ": " + text.ReplaceLineEndings(" ").Trim();
    }

    private static string TaskIdHeaderValue(string taskId)
    {
        if (taskId.Length is > 0 and <= 256)
        {
            var safe = true;
            foreach (var c in taskId)
            {
                if (c is < ' ' or > '~')
                {
                    safe = false;
                    break;
                }
            }

            if (safe)
            {
                return taskId;
            }
        }

        return StableHash.Of(taskId).ToString("x16", CultureInfo.InvariantCulture);
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>One call's state across its attempts.</summary>
    private sealed class Call(OpenAiHttpClient client, string taskId, string taskHeader, byte[] body)
    {
        public OpenAiHttpClient Client => client;

        public string TaskId => taskId;

        public string TaskHeader => taskHeader;

        public byte[] Body => body;

        /// <summary>Zero-based attempt number: attempt k goes to the k-th available endpoint of the task's order.</summary>
        public int Attempt { get; set; }
    }
}
