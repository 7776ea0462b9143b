using Matrix.Scenarios.Tau2.Reward;
using MemoryPack;

namespace Matrix.Scenarios.Tau2;

/// <summary>Which agent a tau2 task was last routed to.</summary>
internal enum Tau2Phase : byte
{
    User,
    Assistant,
    Tools,
    Reward,
    Judge,
}

/// <summary>A tau2 input row: the task of the loaded domain it stands for (every rank loads the same domain).</summary>
[MemoryPackable]
internal sealed partial record Tau2TaskRef(string Domain, string TaskId);

/// <summary>
/// A tau2 task's own state, carried in its orchestrator: the task's database overlays (so the tool executor on any
/// rank rebuilds the task's environment from the message alone), who made the pending tool calls, the counters
/// behind the termination rules, and the reward once computed.
/// </summary>
[MemoryPackable]
internal sealed partial class Tau2State
{
    public Tau2Phase Phase { get; set; }

    /// <summary>The agent database's changes (<see cref="Env.TaskDatabase.Export"/>).</summary>
    public Dictionary<string, string>? AgentDb { get; set; }

    /// <summary>The user database's changes, for domains with user tools.</summary>
    public Dictionary<string, string>? UserDb { get; set; }

    /// <summary>The phase whose tool calls the tool executor runs, and where its results go back to.</summary>
    public Tau2Phase Caller { get; set; }

    /// <summary>Assistant, user and tool steps so far (tau2's step limit).</summary>
    public int Steps { get; set; }

    /// <summary>Tool calls that ended in an error (tau2's error limit).</summary>
    public int ToolErrors { get; set; }

    public int ToolCalls { get; set; }

    /// <summary>Why the conversation ended: user_stop, max_steps, too_many_errors.</summary>
    public string? Termination { get; set; }

    public RewardResult? Reward { get; set; }

    /// <summary>The oracle assistant's next gold action.</summary>
    public int OracleStep { get; set; }

    /// <summary>Whether the oracle assistant has sent its closing message.</summary>
    public bool OracleDone { get; set; }
}
