using System.Text.Json.Nodes;
using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Env;
using Matrix.Scenarios.Tau2.Json;

namespace Matrix.Scenarios.Tau2.Reward;

/// <summary>
/// tau2-bench's evaluators (<c>src/tau2/evaluator/</c>) in C#: DB (replay the trajectory's state-changing calls on a
/// fresh environment and compare it with the one the gold actions produce), ENV_ASSERTION (the domain's assertion
/// functions on the replayed environment), ACTION (each gold action appears among the trajectory's calls; the mean),
/// COMMUNICATE (each <c>communicate_info</c> inside an assistant message, case-insensitive, commas ignored).
/// NL_ASSERTION needs a judge LLM and is left null here. Pure and deterministic: CPU work only.
/// </summary>
internal static class RewardCalculator
{
    public static RewardResult Calculate(Tau2Domain domain, Tau2TaskSpec task, IReadOnlyList<TrajectoryMessage> trajectory)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(trajectory);
        if (!task.HasCriteria)
        {
            return new RewardResult(null, null, null, null, null);
        }

        var notes = new List<string>();
        var basis = task.RewardBasis;
        double? db = null;
        double? env = null;
        if (basis.Contains(Tau2TaskSpec.Db) || basis.Contains(Tau2TaskSpec.EnvAssertion))
        {
            (db, env) = Environment(domain, task, trajectory, notes);
        }

        return new RewardResult(
            basis.Contains(Tau2TaskSpec.Db) ? db : null,
            basis.Contains(Tau2TaskSpec.Action) ? Actions(task, trajectory, notes) : null,
            basis.Contains(Tau2TaskSpec.EnvAssertion) ? env : null,
            basis.Contains(Tau2TaskSpec.Communicate) ? Communicate(task, trajectory, notes) : null,
            null)
        { Notes = notes };
    }

    private static (double? Db, double Env) Environment(Tau2Domain domain, Tau2TaskSpec task, IReadOnlyList<TrajectoryMessage> trajectory, List<string> notes)
    {
        if (!task.ChecksEnvironment)
        {
            return (1.0, 1.0);
        }

        var predicted = domain.NewEnvironment();
        predicted.ApplyInitialState(task);
        predicted.Replay(trajectory.SelectMany(m => m.ToolCalls));

        var gold = domain.NewEnvironment();
        gold.Initialize(task);
        var goldIncomplete = false;
        foreach (var action in task.Actions)
        {
            var outcome = gold.Call(action.Requestor, action.Name, action.Arguments.ToJsonString());
            if (outcome.IsError && gold.Mutates(action.Requestor, action.Name))
            {
                // tau2: a state-changing gold action that failed leaves the gold state incomplete; a match is then not a pass.
                goldIncomplete = true;
                notes.Add($"gold action {action.ActionId} ({action.Name}) failed: {outcome.Content}");
            }
        }

        double? db = predicted.SameAs(gold) ? 1.0 : 0.0;
        if (db == 0.0)
        {
            notes.Add("the database differs from the one the gold actions produce");
        }
        else if (goldIncomplete)
        {
            db = null;
        }

        var envReward = 1.0;
        foreach (var assertion in task.EnvAssertions)
        {
            bool met;
            try
            {
                met = predicted.Run(assertion) is bool result && result == assertion.AssertValue;
            }
            catch (ToolException e)
            {
                notes.Add($"assertion {assertion.FunctionName} raised: {e.Message}");
                met = false;
            }

            if (!met)
            {
                envReward = 0.0;
                notes.Add($"assertion {assertion.FunctionName}({assertion.Arguments.ToJsonString()}) not met");
            }
        }

        return (db, envReward);
    }

    private static double Actions(Tau2TaskSpec task, IReadOnlyList<TrajectoryMessage> trajectory, List<string> notes)
    {
        if (task.Actions.Count == 0)
        {
            return 1.0;
        }

        var calls = trajectory.Where(m => m.Role is "assistant" or "user").SelectMany(m => m.ToolCalls)
            .Select(c => (c.Name, Args: Tau2Environment.Arguments(c.ArgumentsJson))).ToList();
        var matched = 0;
        foreach (var gold in task.Actions)
        {
            if (calls.Any(c => Matches(gold, c.Name, c.Args)))
            {
                matched++;
            }
            else
            {
                notes.Add($"gold action {gold.ActionId} ({gold.Name}) not found in the trajectory");
            }
        }

        return (double)matched / task.Actions.Count;
    }

    /// <summary>tau2's <c>Action.compare_with_tool_call</c>, including its quirk: without compare_args the call's own keys are compared.</summary>
    internal static bool Matches(GoldAction gold, string name, JsonObject args)
    {
        if (gold.Name != name)
        {
            return false;
        }

        IEnumerable<string> keys = gold.CompareArgs ?? args.Select(a => a.Key).ToList();
        var keyList = keys.ToList();
        if (keyList.Count == 0)
        {
            return true;
        }

        var callPart = keyList.Where(args.ContainsKey).ToDictionary(k => k, k => args[k]);
        var goldPart = keyList.Where(gold.Arguments.ContainsKey).ToDictionary(k => k, k => gold.Arguments[k]);
        return callPart.Count == goldPart.Count && callPart.All(kv => goldPart.TryGetValue(kv.Key, out var g) && JsonValues.ValueEquals(kv.Value, g));
    }

    private static double Communicate(Tau2TaskSpec task, IReadOnlyList<TrajectoryMessage> trajectory, List<string> notes)
    {
        var all = true;
        foreach (var info in task.CommunicateInfo)
        {
            var needle = info.ToLowerInvariant();
            var found = trajectory.Any(m => m.Role == "assistant" && !string.IsNullOrEmpty(m.Content)
                && m.Content.ToLowerInvariant().Replace(",", string.Empty, StringComparison.Ordinal).Contains(needle, StringComparison.Ordinal));
            if (!found)
            {
                all = false;
                notes.Add($"'{info}' was not communicated");
            }
        }

        return all ? 1.0 : 0.0;
    }
}
