using Matrix.Scenarios.Tau2.Data;
using Matrix.Scenarios.Tau2.Domains.Mock;
using Matrix.Scenarios.Tau2.Reward;
using Matrix.Tests.Support;

namespace Matrix.Tests.Scenarios.Tau2;

[TestClass]
public sealed class MockDomainOracleTests
{
    /// <summary>
    /// update_task_with_user_tools cannot reach 1.0 in tau2-bench either: its ENV_ASSERTION needs the user to dismiss
    /// notif_1, while its DB check compares the user database with a gold replay in which nobody dismisses it.
    /// </summary>
    private const string Contradictory = "update_task_with_user_tools";

    /// <summary>
    /// update_task_with_history_and_env_assertions lists no gold action at all, only the assertion that task_2 ends
    /// completed: an oracle that replays gold actions has nothing to replay, so the assertion cannot hold.
    /// </summary>
    private const string NoGoldAction = "update_task_with_history_and_env_assertions";

    [TestMethod]
    public void OracleReachesFullRewardOnEveryMockTask()
    {
        var domain = Tau2Domain.Load(MockDomain.Instance, Tau2Data.Folder("mock"));
        Assert.AreEqual(10, domain.Tasks.Count);
        foreach (var task in domain.Tasks.Where(t => t.Id is not Contradictory and not NoGoldAction))
        {
            var (_, reward) = OfflineOracle.Run(domain, task);
            Assert.AreEqual(1.0, reward.Total, $"{task.Id}: {string.Join("; ", reward.Notes)}");
        }
    }

    [TestMethod]
    public void TheContradictoryTaskFailsExactlyOnItsEnvAssertion()
    {
        var domain = Tau2Domain.Load(MockDomain.Instance, Tau2Data.Folder("mock"));
        var (_, reward) = OfflineOracle.Run(domain, domain.Task(Contradictory));
        Assert.AreEqual(1.0, reward.Db);
        Assert.AreEqual(1.0, reward.Action);
        Assert.AreEqual(0.0, reward.Env);
    }

    [TestMethod]
    public void TheTaskWithoutGoldActionsFailsOnlyOnItsAssertion()
    {
        var domain = Tau2Domain.Load(MockDomain.Instance, Tau2Data.Folder("mock"));
        var task = domain.Task(NoGoldAction);
        Assert.AreEqual(0, task.Actions.Count);
        var (_, reward) = OfflineOracle.Run(domain, task);
        Assert.AreEqual(0.0, reward.Env);
        Assert.IsNull(reward.Db, "ENV_ASSERTION is the whole basis");
    }

    [TestMethod]
    public void ToolResultsAreWhatTau2BenchSends()
    {
        var domain = Tau2Domain.Load(MockDomain.Instance, Tau2Data.Folder("mock"));
        var env = domain.NewEnvironment();
        var created = env.Call("assistant", "create_task", """{"user_id": "user_1", "title": "Caf\u00e9"}""");
        Assert.IsFalse(created.IsError);
        Assert.AreEqual("""{"task_id": "task_2", "title": "Caf\u00e9", "description": null, "status": "pending"}""", created.Content);
        Assert.AreEqual("Error: User nobody not found", env.Call("assistant", "create_task", """{"user_id": "nobody", "title": "x"}""").Content);
        Assert.AreEqual("Error: Tool 'delete_task' not found.", env.Call("assistant", "delete_task", "{}").Content);
        Assert.AreEqual("Error: MockTools.create_task() missing 1 required positional argument: 'title'", env.Call("assistant", "create_task", """{"user_id": "user_1"}""").Content);
        Assert.AreEqual("Error: MockTools.create_task() got an unexpected keyword argument 'owner'", env.Call("assistant", "create_task", """{"user_id": "user_1", "title": "t", "owner": "me"}""").Content);
        Assert.IsTrue(env.Call("assistant", "create_task", "not json").IsError);
        // The shared database is untouched: a fresh environment sees one task again.
        Assert.AreEqual(1, domain.NewEnvironment().Agent.Count("tasks"));
        Assert.AreEqual(2, env.Agent.Count("tasks"));
    }
}
