using System.Text;

namespace Matrix.Store.Content;

/// <summary>Decides which message content the engine keeps out of the orchestrator (matrix.md §1.5).</summary>
public static class ContentOffload
{
    /// <summary>The default threshold: content above 512 UTF-8 bytes is offloaded.</summary>
    public const int DefaultThresholdBytes = 512;

    /// <summary>
    /// True when <paramref name="content"/> is longer than <paramref name="thresholdBytes"/> UTF-8 bytes.
    /// A threshold of 0 turns offloading off; null content is never offloaded.
    /// </summary>
    public static bool ShouldOffload(string? content, int thresholdBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(thresholdBytes);
        if (content is null || thresholdBytes == 0)
        {
            return false;
        }

        // A UTF-16 char takes 1 to 3 UTF-8 bytes (a surrogate pair 4 for 2 chars), so most strings are decided without counting.
        if (content.Length > thresholdBytes)
        {
            return true;
        }

        if ((long)content.Length * 3 <= thresholdBytes)
        {
            return false;
        }

        return Encoding.UTF8.GetByteCount(content) > thresholdBytes;
    }
}
