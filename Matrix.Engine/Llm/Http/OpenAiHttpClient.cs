using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Matrix.Engine.Llm.Sim;

namespace Matrix.Engine.Llm.Http;

/// <summary>
/// <see cref="ILlmClient"/> over the OpenAI <c>/v1/chat/completions</c> API of vLLM, SGLang, llama.cpp's server or
/// any compatible endpoint. Several base URLs of one model are used with sticky routing: a task's calls go to the
/// URL chosen by a stable hash of its id (prefix-cache reuse), a retry moves to the next URL (failover).
/// Retries 429, 408, 5xx, timeouts and connection errors with exponential backoff and jitter, honouring
/// <c>Retry-After</c>; gives up with <see cref="LlmException"/>. Thread-safe; one instance per rank.
/// </summary>
public sealed class OpenAiHttpClient : ILlmClient, IDisposable
{
    /// <summary>How long <see cref="ProbeAsync"/> waits for each server.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    private const int BodySnippetChars = 200;

    private readonly HttpLlmOptions _options;
    private readonly LlmCounters _counters;
    private readonly HttpClient _http;
    private readonly string[] _bases;
    private readonly Uri[] _completions;
    private readonly Uri[] _models;
    private readonly string _timeoutText;

    public OpenAiHttpClient(HttpLlmOptions options, LlmCounters counters)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.BaseUrls);
        ArgumentException.ThrowIfNullOrEmpty(options.Model, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.RequestTimeout, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConnectionsPerServer, 1, nameof(options));
        if (options.BaseUrls.Count == 0)
        {
            throw new ArgumentException("At least one base URL is needed.", nameof(options));
        }

        _options = options;
        _counters = counters ?? throw new ArgumentNullException(nameof(counters));
        _bases = new string[options.BaseUrls.Count];
        _completions = new Uri[_bases.Length];
        _models = new Uri[_bases.Length];
        for (var i = 0; i < _bases.Length; i++)
        {
            var url = options.BaseUrls[i];
            if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"'{url}' is not an http:// or https:// base URL.", nameof(options));
            }

            _bases[i] = url.AbsoluteUri.TrimEnd('/');
            _completions[i] = new Uri(_bases[i] + "/chat/completions");
            _models[i] = new Uri(_bases[i] + "/models");
        }

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
    }

    public string Describe => string.Join(",", _bases);

    public HttpLlmOptions Options => _options;

    /// <summary>The index in <see cref="HttpLlmOptions.BaseUrls"/> that serves <paramref name="taskId"/> first.</summary>
    public int UrlIndexOf(string taskId) => StableHash.Bucket(taskId, 0, _bases.Length);

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

        var header = TaskIdHeaderValue(request.TaskId);
        var first = UrlIndexOf(request.TaskId);
        for (var attempt = 0; ; attempt++)
        {
            var index = (first + attempt) % _bases.Length;
            var outcome = await AttemptAsync(index, header, body, cancellationToken).ConfigureAwait(false);
            if (outcome.Response is { } response)
            {
                _counters.OnUsage(response.PromptTokens, response.CompletionTokens);
                return response;
            }

            if (!outcome.Retryable)
            {
                _counters.OnFailure();
                throw new LlmException($"{outcome.Error} (not retried){outcome.Detail}");
            }

            if (attempt >= _options.MaxRetries)
            {
                _counters.OnFailure();
                var attempts = attempt + 1;
                throw new LlmException($"{outcome.Error} after {attempts} attempt{(attempts == 1 ? string.Empty : "s")}{outcome.Detail}");
            }

            _counters.OnRetry();
            await Task.Delay(Backoff(attempt, outcome.RetryAfter), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Start-up check: <c>GET {base}/models</c> on every URL (at most <see cref="ProbeTimeout"/> each, in parallel).
    /// Throws <see cref="LlmUnavailableException"/> naming the first URL that does not answer with a 2xx.
    /// </summary>
    public async Task ProbeAsync(CancellationToken cancellationToken = default)
    {
        var probes = new Task<string?>[_bases.Length];
        for (var i = 0; i < probes.Length; i++)
        {
            probes[i] = ProbeOneAsync(i, cancellationToken);
        }

        await Task.WhenAll(probes).ConfigureAwait(false);
        for (var i = 0; i < probes.Length; i++)
        {
            if (await probes[i].ConfigureAwait(false) is { } problem)
            {
                throw new LlmUnavailableException($"no LLM server answers at {_bases[i]} ({problem})");
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<Attempt> AttemptAsync(int index, string taskHeader, byte[] body, CancellationToken cancellationToken)
    {
        var baseUrl = _bases[index];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var message = new HttpRequestMessage(HttpMethod.Post, _completions[index]) { Content = content };
            message.Headers.TryAddWithoutValidation(OpenAiWire.TaskIdHeader, taskHeader);
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                try
                {
                    return new Attempt(OpenAiWire.ReadResponse(bytes), string.Empty, false, string.Empty, null);
                }
                catch (InvalidDataException ex)
                {
                    return new Attempt(null, $"malformed response from {baseUrl}: {ex.Message}", false, Snippet(bytes), null);
                }
            }

            var reason = string.IsNullOrEmpty(response.ReasonPhrase) ? ((HttpStatusCode)code).ToString() : response.ReasonPhrase;
            var retryable = code is 408 or 429 or >= 500;
            var retryAfter = code is 429 or 503 ? RetryAfterOf(response) : null;
            return new Attempt(null, $"HTTP {code} {reason} from {baseUrl}", retryable, Snippet(bytes), retryAfter);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new Attempt(null, $"timed out after {_timeoutText} s waiting for {baseUrl}", true, string.Empty, null);
        }
        catch (HttpRequestException ex)
        {
            return new Attempt(null, $"cannot reach {baseUrl} ({ReasonOf(ex)})", true, string.Empty, null);
        }
        catch (IOException ex)
        {
            return new Attempt(null, $"connection to {baseUrl} broke ({ex.Message})", true, string.Empty, null);
        }
    }

    private async Task<string?> ProbeOneAsync(int index, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            using var response = await _http.GetAsync(_models[index], HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            var code = (int)response.StatusCode;
            var hint = code == 404 && !_bases[index].EndsWith("/v1", StringComparison.Ordinal) ? "; base URLs usually end with /v1" : string.Empty;
            return $"GET {_models[index].AbsolutePath} answered HTTP {code} {response.ReasonPhrase}{hint}";
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

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        var max = _options.MaxBackoff;
        if (retryAfter is { } wait)
        {
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > max ? max : wait;
        }

        // Equal jitter: half the exponential delay for sure, the other half at random.
        var ms = Math.Min(max.TotalMilliseconds, _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
        return TimeSpan.FromMilliseconds((ms / 2) + (Random.Shared.NextDouble() * ms / 2));
#pragma warning restore CA5394
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

    /// <summary>One attempt's result: a response, or why not (and whether a retry may help).</summary>
    private readonly record struct Attempt(LlmResponse? Response, string Error, bool Retryable, string Detail, TimeSpan? RetryAfter);
}
