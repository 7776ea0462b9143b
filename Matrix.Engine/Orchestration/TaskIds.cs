using System.Text;

namespace Matrix.Engine.Orchestration;

/// <summary>Task ids and seeds, derived so that a rerun or a resume gives the same values.</summary>
public static class TaskIds
{
    /// <summary>The id of trial <paramref name="trial"/> of the row with id <paramref name="rowId"/>.</summary>
    public static string Of(string rowId, int trial) => string.Create(null, stackalloc char[64], $"{rowId}#{trial}");

    /// <summary>A 64-bit seed from the run seed and the task id (FNV-1a, then SplitMix64 finalizer).</summary>
    public static ulong SeedOf(ulong runSeed, string taskId)
    {
        var hash = 14695981039346656037UL ^ runSeed;
        foreach (var b in Encoding.UTF8.GetBytes(taskId))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return Mix(hash);
    }

    /// <summary>SplitMix64's finalizer: spreads every input bit over the output.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
        return z ^ (z >> 31);
    }
}
