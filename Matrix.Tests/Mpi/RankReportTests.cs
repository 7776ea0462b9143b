using Matrix.Mpi.Ranks;

namespace Matrix.Tests.Mpi;

[TestClass]
public sealed class RankReportTests
{
    [TestMethod]
    public async Task Rank_0_gets_one_line_per_rank_in_rank_order_and_the_others_nothing()
    {
        var ranks = LocalRankExchange.Create(3);

        var reports = await Task.WhenAll(ranks.Select(r => RankReport.DescribeAsync(r)));

        var lines = reports[0].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual("3 ranks on 1 host", lines[0]);
        Assert.HasCount(4, lines);
        for (var r = 0; r < 3; r++)
        {
            Assert.AreEqual($"rank {r}/3 host {System.Net.Dns.GetHostName()} pid {Environment.ProcessId}", lines[r + 1]);
        }

        Assert.AreEqual("", reports[1]);
        Assert.AreEqual("", reports[2]);
    }
}
