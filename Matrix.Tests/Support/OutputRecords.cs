using System.Text.Json;
using Matrix.Store.Arrow.Read;

namespace Matrix.Tests.Support;

/// <summary>An output directory's records as comparable strings, sorted by id: what "the same records" means in tests.</summary>
internal static class OutputRecords
{
    public static List<string> Of(string dir) => PartReader.ReadDirectory(dir)
        .OrderBy(r => r.Id, StringComparer.Ordinal)
        .Select(r => JsonSerializer.Serialize(new
        {
            r.Id,
            r.Trial,
            r.Status,
            r.Reason,
            r.Error,
            Messages = r.Messages.Select(m => new { m.Agent, m.Role, m.Content, m.ToolCalls, m.PromptTokens, m.CompletionTokens, m.Reasoning, m.FinishReason, m.Model }),
            r.PromptTokens,
            r.CompletionTokens,
            Columns = r.Columns.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"),
        }))
        .ToList();
}
