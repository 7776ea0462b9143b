using Matrix.Engine.Scenarios;

namespace Matrix.Hosting.Run;

/// <summary>The share of the scenario's input rows that one rank admits.</summary>
internal static class InputRows
{
    /// <summary>The first <paramref name="limit"/> rows (all of them when null), counted before sharding so every rank agrees.</summary>
    public static async IAsyncEnumerable<InputRow> Limit(IAsyncEnumerable<InputRow> rows, long? limit)
    {
        long n = 0;
        await foreach (var row in rows.ConfigureAwait(false))
        {
            if (n++ >= limit)
            {
                yield break;
            }

            yield return row;
        }
    }

    /// <summary>Data parallelism: rank r takes the rows whose index is r modulo the number of ranks.</summary>
    public static async IAsyncEnumerable<InputRow> Shard(IAsyncEnumerable<InputRow> rows, int rank, int size)
    {
        await foreach (var row in rows.ConfigureAwait(false))
        {
            if (size == 1 || row.Index % size == rank)
            {
                yield return row;
            }
        }
    }
}
