using Matrix.Engine.Settings;

namespace Matrix.Engine.Llm.Pools;

/// <summary>
/// What <c>agents.&lt;role&gt;.*</c> says about a role's LLM calls: its pool and the request options that replace the
/// scenario's. Read once per run; applied to every call of the role.
/// </summary>
public sealed record RoleRequestOptions(string Pool)
{
    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? MaxTokens { get; init; }

    public IReadOnlyList<string>? Stop { get; init; }

    public long? Seed { get; init; }

    public ExtraBody? ExtraBody { get; init; }

    public bool OverridesNothing => Temperature is null && TopP is null && MaxTokens is null && Stop is null && Seed is null && ExtraBody is null;

    public static RoleRequestOptions FromSettings(RunSettings settings, string role)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string K(string option) => LlmPoolSettings.RoleKey(role, option);
        return new RoleRequestOptions(settings.GetString(LlmPoolSettings.RolePoolKey(role)) ?? LlmPoolSettings.DefaultPool)
        {
            Temperature = (double?)settings.Get(K("temperature")),
            TopP = (double?)settings.Get(K("top_p")),
            MaxTokens = (int?)settings.Get(K("max_tokens")),
            Stop = (string[]?)settings.Get(K("stop")),
            Seed = (long?)settings.Get(K("seed")),
            ExtraBody = ParseExtraBody(settings, K("extra_body")),
        };
    }

    private static ExtraBody? ParseExtraBody(RunSettings settings, string key)
    {
        if (settings.GetString(key) is not { } json)
        {
            return null;
        }

        try
        {
            return ExtraBody.Parse(json);
        }
        catch (FormatException e)
        {
            throw new SettingsException($"{settings.SourceOf(key)}: {key}: {e.Message}");
        }
    }

    /// <summary><paramref name="request"/> with this role's options in place of the scenario's.</summary>
    public LlmRequest Apply(LlmRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return OverridesNothing
            ? request
            : request with
            {
                Temperature = Temperature ?? request.Temperature,
                TopP = TopP ?? request.TopP,
                MaxTokens = MaxTokens ?? request.MaxTokens,
                Stop = Stop ?? request.Stop,
                Seed = Seed ?? request.Seed,
                ExtraBody = ExtraBody ?? request.ExtraBody,
            };
    }
}
