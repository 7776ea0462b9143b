using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Matrix.Engine.Llm.Http;

/// <summary>
/// A pool's <c>urls_file</c>: one base URL per line (blank lines and <c>#</c> comments ignored), re-read every
/// <see cref="HttpLlmOptions.UrlsFilePoll"/>. New lines join the pool, removed lines leave it (their calls in flight
/// finish). This is how inference servers that start during a run (a Slurm job of vLLM servers) register: each
/// appends its URL once healthy. A file that cannot be read keeps the last good set.
/// </summary>
internal sealed class UrlsFileWatcher : IAsyncDisposable
{
    private readonly string _path;
    private readonly EndpointSet _endpoints;
    private readonly IReadOnlyList<string> _fixedUrls;
    private readonly ILogger _log;
    private readonly string _pool;
    private readonly CancellationTokenSource _stop = new();
    private readonly PeriodicTimer _timer;
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private Task _loop = Task.CompletedTask;

    public UrlsFileWatcher(string path, EndpointSet endpoints, IReadOnlyList<string> fixedUrls, TimeSpan poll, TimeProvider time, ILogger log, string pool)
    {
        _path = path;
        _endpoints = endpoints;
        _fixedUrls = fixedUrls;
        _log = log;
        _pool = pool;
        _timer = new PeriodicTimer(poll, time);
    }

    /// <summary>Reads the file once now (throws <see cref="IOException"/> when it cannot), then keeps watching it.</summary>
    public void Start()
    {
        Apply(File.ReadAllLines(_path));
        _loop = WatchAsync();
    }

    /// <summary>Re-reads the file now (tests; the loop does this every poll period).</summary>
    public void Refresh()
    {
        try
        {
            Apply(File.ReadAllLines(_path));
        }
        catch (IOException e)
        {
            Report($"cannot read {_path} ({e.Message})", () => _log.UrlsFileUnreadable(_pool, _path, e.Message));
        }
        catch (UnauthorizedAccessException e)
        {
            Report($"cannot read {_path} ({e.Message})", () => _log.UrlsFileUnreadable(_pool, _path, e.Message));
        }
    }

    /// <summary>The base URLs that <paramref name="lines"/> name (normalized); bad lines are reported once and skipped.</summary>
    public IReadOnlyList<string> Parse(IEnumerable<string> lines)
    {
        var urls = new List<string>();
        var n = 0;
        foreach (var raw in lines)
        {
            n++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (HttpLlmOptions.NormalizeBaseUrl(line) is { } url)
            {
                urls.Add(url);
            }
            else
            {
                var at = n;
                Report(string.Create(CultureInfo.InvariantCulture, $"{_path}:{n}: '{line}'"), () => _log.UrlsFileBadLine(_pool, _path, at, line));
            }
        }

        return urls;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _timer.Dispose();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task WatchAsync()
    {
        while (await _timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            Refresh();
        }
    }

    private void Apply(IEnumerable<string> lines)
    {
        var (joined, left) = _endpoints.Update(_fixedUrls.Concat(Parse(lines)));
        foreach (var url in joined)
        {
            _log.EndpointJoined(_pool, url, _path);
        }

        foreach (var url in left)
        {
            _log.EndpointLeft(_pool, url, _path);
        }
    }

    /// <summary>Logs a problem the first time it is seen (<paramref name="key"/> tells problems apart): the file is re-read every poll.</summary>
    private void Report(string key, Action log)
    {
        lock (_reported)
        {
            if (!_reported.Add(key))
            {
                return;
            }
        }

        log();
    }
}
