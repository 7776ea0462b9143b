using Matrix.Engine.Agents;
using Matrix.Engine.Settings;

namespace Matrix.Engine.Llm.Pools;

/// <summary>
/// The keys of LLM pools and of each LLM role's binding and request options:
/// <c>llm.pools.&lt;name&gt;.{urls,urls_file,model,api_key_env,max_connections,timeout_seconds,structured_output}</c>
/// (a pool comes into being when a key names it; <c>default</c> always exists and takes <c>--llm</c>/<c>--model</c>), and
/// <c>agents.&lt;role&gt;.{llm,temperature,top_p,max_tokens,stop,seed,extra_body}</c> for every LLM role of the scenario.
/// </summary>
public static class LlmPoolSettings
{
    public const string PoolsPrefix = "llm.pools.";
    public const string DefaultPool = "default";

    /// <summary>The value of <c>--llm</c> (or a pool's url) that means the in-process simulated LLM.</summary>
    public const string Sim = "sim";

    public static string UrlsKey(string pool) => $"{PoolsPrefix}{pool}.urls";

    public static string UrlsFileKey(string pool) => $"{PoolsPrefix}{pool}.urls_file";

    public static string ModelKey(string pool) => $"{PoolsPrefix}{pool}.model";

    public static string ApiKeyEnvKey(string pool) => $"{PoolsPrefix}{pool}.api_key_env";

    public static string MaxConnectionsKey(string pool) => $"{PoolsPrefix}{pool}.max_connections";

    public static string TimeoutKey(string pool) => $"{PoolsPrefix}{pool}.timeout_seconds";

    public static string StructuredOutputKey(string pool) => $"{PoolsPrefix}{pool}.structured_output";

    public static string RolePoolKey(string role) => $"agents.{role}.llm";

    public static string RoleKey(string role, string option) => $"agents.{role}.{option}";

    /// <summary>Declares the pool family (and the pool <c>default</c>) and the options of every LLM role.</summary>
    public static void Declare(SettingsSchema schema, IEnumerable<RoleSpec> roles)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(roles);
        schema.Family(PoolsPrefix, DeclarePool);
        schema.DeclareMember(PoolsPrefix, DefaultPool);
        foreach (var role in roles.Where(r => r.Kind == AgentKind.Llm))
        {
            var r = role.Name;
            schema.String(RolePoolKey(r), DefaultPool, $"The LLM pool (llm.pools.<name>) that role '{r}' calls.")
                .Add(new SettingDefinition(RoleKey(r, "temperature"), SettingType.Double, null, $"Role '{r}': sampling temperature, replacing the scenario's.") { Min = 0, Max = 100 })
                .Add(new SettingDefinition(RoleKey(r, "top_p"), SettingType.Double, null, $"Role '{r}': top_p, replacing the scenario's.") { Min = 0, Max = 1 })
                .Add(new SettingDefinition(RoleKey(r, "max_tokens"), SettingType.Int, null, $"Role '{r}': max_tokens, replacing the scenario's.") { Min = 1, Max = int.MaxValue })
                .Add(new SettingDefinition(RoleKey(r, "stop"), SettingType.StringList, null, $"Role '{r}': stop sequences, replacing the scenario's."))
                .Add(new SettingDefinition(RoleKey(r, "seed"), SettingType.Long, null, $"Role '{r}': the seed sent with every call of the role (unset: a per-call seed derived from the run seed, so calls differ and runs repeat)."))
                .Json(RoleKey(r, "extra_body"), $"Role '{r}': a JSON object merged into every request body of the role (vLLM's top_k, repetition_penalty, chat_template_kwargs, guided decoding fields); its members replace standard fields of the same name.");
        }
    }

    private static void DeclarePool(SettingsSchema schema, string pool)
    {
        var p = $"pool '{pool}'";
        schema.List(UrlsKey(pool), null, $"LLM {p}: OpenAI-style base URLs (http://host:8000/v1), comma-separated, or 'sim'.{(pool == DefaultPool ? " Unset: --llm (llm.urls)." : string.Empty)}")
            .String(UrlsFileKey(pool), null, $"LLM {p}: a file with one base URL per line, re-read every llm.urls_file_poll_seconds; servers that start later append themselves, removed lines leave the pool.")
            .String(ModelKey(pool), null, $"LLM {p}: the model name sent (unset: --model, llm.model).")
            .String(ApiKeyEnvKey(pool), null, $"LLM {p}: the environment variable that holds the API key, sent as 'Authorization: Bearer'.")
            .Int(MaxConnectionsKey(pool), 0, $"LLM {p}: concurrent connections per server URL (0: llm.max_connections).", 0, 1_000_000)
            .Double(TimeoutKey(pool), 0, $"LLM {p}: seconds one attempt may take (0: llm.timeout_seconds).", 0, 86_400)
            .Bool(StructuredOutputKey(pool), false, $"LLM {p}: the servers support response_format json_schema (vLLM, SGLang, llama.cpp do); scenario steps that expect JSON then ask for it. A 'sim' pool does unless set to false.");
    }
}
