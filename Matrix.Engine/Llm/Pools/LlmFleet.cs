using System.Collections.Frozen;
using Matrix.Engine.Agents;
using Matrix.Engine.Llm.Http;
using Matrix.Engine.Runtime;
using Matrix.Engine.Settings;
using Microsoft.Extensions.Logging;

namespace Matrix.Engine.Llm.Pools;

/// <summary>
/// The rank's LLM client as the scenario sees it: every call goes to the pool of the role that makes it
/// (<see cref="LlmRequest.Agent"/>; <c>agents.&lt;role&gt;.llm</c>, else the pool <c>default</c>), with the role's
/// request options (<see cref="RoleRequestOptions"/>) in place of the scenario's, and without
/// <see cref="LlmRequest.ResponseFormat"/> when the pool's servers do not support structured output.
/// </summary>
public sealed class LlmFleet : ILlmClient, IAsyncDisposable
{
    private readonly FrozenDictionary<string, Route> _routes;
    private readonly Route _default;

    private LlmFleet(IReadOnlyList<LlmPool> pools, Dictionary<string, Route> routes, Route fallback)
    {
        Pools = pools;
        _routes = routes.ToFrozenDictionary(StringComparer.Ordinal);
        _default = fallback;
    }

    public IReadOnlyList<LlmPool> Pools { get; }

    /// <summary>The pools and their URLs: <c>sim</c> for the built-in default, else <c>name=urls</c> per pool.</summary>
    public string Describe => Pools.Count == 1 && Pools[0].Name == LlmPoolSettings.DefaultPool
        ? Pools[0].Client.Describe
        : string.Join("; ", Pools.Select(p => $"{p.Name}={p.Client.Describe}"));

    /// <summary>
    /// Builds the pools from <paramref name="settings"/> and binds each LLM role of <paramref name="roles"/> to one.
    /// Throws <see cref="SettingsException"/> naming the key for a role bound to an unknown pool, a pool without URLs,
    /// a URL that is not http(s), a missing URL file or API key variable. <paramref name="createSim"/> makes the
    /// simulated LLM for pools whose URL is <c>sim</c>; <paramref name="loggers"/> (none: nothing is logged) takes endpoint events.
    /// </summary>
    public static LlmFleet Create(RunSettings settings, IEnumerable<RoleSpec> roles, LlmCounters counters, Func<ILlmClient> createSim, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(roles);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(createSim);
        ILlmClient? sim = null;
        var pools = new List<LlmPool>();
        try
        {
            foreach (var name in settings.Schema.MembersOf(LlmPoolSettings.PoolsPrefix))
            {
                pools.Add(CreatePool(settings, name, counters, () => sim ??= createSim(), loggers?.CreateLogger(LlmLog.Category), time));
            }

            var byName = pools.ToDictionary(p => p.Name, StringComparer.Ordinal);
            var routes = new Dictionary<string, Route>(StringComparer.Ordinal);
            foreach (var role in roles.Where(r => r.Kind == AgentKind.Llm))
            {
                var options = RoleRequestOptions.FromSettings(settings, role.Name);
                if (!byName.TryGetValue(options.Pool, out var pool))
                {
                    var key = LlmPoolSettings.RolePoolKey(role.Name);
                    throw new SettingsException($"{settings.SourceOf(key)}: {key} names the LLM pool '{options.Pool}', which is not defined (pools: {string.Join(", ", byName.Keys)}); define it with {LlmPoolSettings.UrlsKey(options.Pool)}");
                }

                routes[role.Name] = new Route(pool, options);
            }

            return new LlmFleet(pools, routes, new Route(byName[LlmPoolSettings.DefaultPool], new RoleRequestOptions(LlmPoolSettings.DefaultPool)));
        }
        catch
        {
            foreach (var p in pools)
            {
                (p.Client as IDisposable)?.Dispose();
            }

            throw;
        }
    }

    public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var route = request.Agent is { } agent && _routes.TryGetValue(agent, out var r) ? r : _default;
        var shaped = route.Options.Apply(request);
        if (shaped.ResponseFormat is not null && !route.Pool.StructuredOutput)
        {
            shaped = shaped with { ResponseFormat = null };
        }

        return route.Pool.Client.CompleteAsync(shaped, cancellationToken);
    }

    /// <summary>Start-up check of every URL given directly (not those of URL files): throws <see cref="LlmUnavailableException"/>.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken = default)
    {
        foreach (var pool in Pools)
        {
            if (pool.Client is OpenAiHttpClient http)
            {
                try
                {
                    await http.ProbeAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (LlmUnavailableException e) when (Pools.Count > 1)
                {
                    throw new LlmUnavailableException($"LLM pool '{pool.Name}': {e.Message}", e);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in Pools)
        {
            if (pool.Client is IAsyncDisposable d)
            {
                await d.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static LlmPool CreatePool(RunSettings s, string name, LlmCounters counters, Func<ILlmClient> sim, ILogger? log, TimeProvider? time)
    {
        var urlsKey = LlmPoolSettings.UrlsKey(name);
        var fileKey = LlmPoolSettings.UrlsFileKey(name);
        var urls = s.Get(urlsKey) is string[] own ? own : null;
        var file = s.GetString(fileKey);
        if (urls is null && name == LlmPoolSettings.DefaultPool)
        {
            // --llm (llm.urls) defines the default pool; its built-in default 'sim' gives way to a URL file.
            urls = file is not null && s.SourceOf(EngineSettings.Llm) == "default" ? [] : [.. s.GetList(EngineSettings.Llm)];
        }

        urls ??= [];
        var source = s.SourceOf(urls.Length > 0 || file is null ? urlsKey : fileKey);
        if (urls.Length == 0 && file is null)
        {
            throw new SettingsException($"LLM pool '{name}' has no endpoints: set {urlsKey} (base URLs such as http://node17:8000/v1, or 'sim') or {fileKey}");
        }

        var model = s.GetString(LlmPoolSettings.ModelKey(name)) ?? s.GetString(EngineSettings.Model) ?? "default";
        var structured = s.GetBool(LlmPoolSettings.StructuredOutputKey(name));
        string? apiKey = null;
        if (s.GetString(LlmPoolSettings.ApiKeyEnvKey(name)) is { } variable)
        {
            apiKey = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(apiKey))
            {
                throw new SettingsException($"{s.SourceOf(LlmPoolSettings.ApiKeyEnvKey(name))}: {LlmPoolSettings.ApiKeyEnvKey(name)}: the environment variable '{variable}' is not set");
            }
        }

        if (urls.Contains(LlmPoolSettings.Sim, StringComparer.Ordinal))
        {
            if (urls.Length > 1 || file is not null)
            {
                throw new SettingsException($"{source}: LLM pool '{name}' mixes 'sim' with server URLs; give a pool either 'sim' or URLs");
            }

            // The simulated LLM follows a requested JSON schema, so a sim pool supports structured output unless told not to.
            var simStructured = structured || s.SourceOf(LlmPoolSettings.StructuredOutputKey(name)) == "default";
            return new LlmPool(name, sim(), model, simStructured);
        }

        var parsed = new List<Uri>(urls.Length);
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || HttpLlmOptions.NormalizeBaseUrl(uri) is null)
            {
                var what = name == LlmPoolSettings.DefaultPool && s.SourceOf(EngineSettings.Llm) == "--llm" ? "--llm" : source;
                throw new SettingsException($"{what}: '{url}' is neither 'sim', 'oracle' nor an http(s) base URL such as http://node17:8000/v1");
            }

            parsed.Add(uri);
        }

        if (file is not null && !File.Exists(file))
        {
            throw new SettingsException($"{s.SourceOf(fileKey)}: {fileKey}: file '{file}' does not exist (create it, empty, before the servers append their URLs)");
        }

        var options = HttpLlmOptions.FromSettings(s, parsed, model) with { PoolName = name, UrlsFile = file, ApiKey = apiKey };
        if (s.GetInt(LlmPoolSettings.MaxConnectionsKey(name)) is > 0 and var connections)
        {
            options = options with { MaxConnectionsPerServer = connections };
        }

        if (s.GetDouble(LlmPoolSettings.TimeoutKey(name)) is > 0 and var seconds)
        {
            options = options with { RequestTimeout = TimeSpan.FromSeconds(seconds) };
        }

        return new LlmPool(name, new OpenAiHttpClient(options, counters, time, log), model, structured);
    }

    private sealed record Route(LlmPool Pool, RoleRequestOptions Options);
}
