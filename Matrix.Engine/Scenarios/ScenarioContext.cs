using Matrix.Engine.Llm;
using Matrix.Engine.Settings;

namespace Matrix.Engine.Scenarios;

/// <summary>What a scenario gets for one run: the settings, the run seed, the rank's LLM client and clock.</summary>
public sealed class ScenarioContext
{
    public ScenarioContext(RunSettings settings, ulong seed, ILlmClient llm, TimeProvider? time = null)
    {
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        Seed = seed;
        Llm = llm ?? throw new ArgumentNullException(nameof(llm));
        Time = time ?? TimeProvider.System;
    }

    public RunSettings Settings { get; }

    public ulong Seed { get; }

    public ILlmClient Llm { get; }

    public TimeProvider Time { get; }
}
