using System.Globalization;
using System.Text.Json;

namespace Matrix.Store.Arrow.Read;

/// <summary>
/// <c>matrix inspect DIR</c>: a summary of a run's output (parts, rows, statuses, reasons, tokens,
/// schema, sample rows, the manifest's headline values) read back through Apache.Arrow, so a user can
/// check an output directory without Python.
/// </summary>
public static class OutputInspector
{
    private const string Prefix = "matrix inspect: ";
    private const int ContentPreview = 80;

    /// <summary>
    /// Prints the summary of <paramref name="directory"/> to <paramref name="output"/>. Returns 0; 2 (one
    /// line on <paramref name="error"/>) when the directory is missing or holds neither parts nor a
    /// manifest; 1 when a part or the manifest cannot be read (one line per such file, the rest is still
    /// summarized).
    /// </summary>
    public static int Inspect(string directory, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);

        if (!Directory.Exists(directory))
        {
            error.WriteLine($"{Prefix}{directory} does not exist or is not a directory.");
            return 2;
        }

        var parts = PartFiles.List(directory);
        var manifestPath = Path.Combine(directory, "manifest.json");
        var hasManifest = File.Exists(manifestPath);
        if (parts.Length == 0 && !hasManifest)
        {
            error.WriteLine($"{Prefix}{directory} holds no part-*.arrow files and no manifest.json: not a Matrix output directory.");
            return 2;
        }

        var exitCode = 0;
        output.WriteLine($"directory: {Path.GetFullPath(directory)}");
        if (hasManifest && !PrintManifest(manifestPath, output, error))
        {
            exitCode = 1;
        }

        var tally = new OutputTally();
        foreach (var part in parts)
        {
            try
            {
                using var reader = new PartFileReader(part);
                tally.AddPart(part, reader);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"{Prefix}{Path.GetFileName(part)}: {OneLine(Detail(ex, part))}");
                exitCode = 1;
            }
        }

        PrintTally(tally, output);
        return exitCode;
    }

    private static bool PrintManifest(string path, TextWriter output, TextWriter error)
    {
        try
        {
            using var manifest = JsonDocument.Parse(File.ReadAllBytes(path));
            var values = new List<string>();
            if (manifest.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var key in (string[])["scenario", "elapsed_seconds", "ranks"])
                {
                    if (manifest.RootElement.TryGetProperty(key, out var value))
                    {
                        values.Add($"{key}={(value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText())}");
                    }
                }
            }

            output.WriteLine(values.Count == 0 ? "manifest: present" : "manifest: " + string.Join(", ", values));
            return true;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{Prefix}manifest.json cannot be read: {OneLine(ex.Message)}");
            return false;
        }
    }

    private static void PrintTally(OutputTally tally, TextWriter output)
    {
        output.WriteLine(Invariant($"parts: {tally.Parts}, rows: {tally.Rows}"));

        output.WriteLine("status:");
        foreach (var (status, count) in tally.ByStatus.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal))
        {
            output.WriteLine(Invariant($"  {status}: {count}"));
        }

        output.WriteLine("status, reason:");
        foreach (var ((status, reason), count) in tally.ByStatusAndReason
            .OrderByDescending(s => s.Value)
            .ThenBy(s => s.Key.Status, StringComparer.Ordinal)
            .ThenBy(s => s.Key.Reason, StringComparer.Ordinal))
        {
            output.WriteLine(Invariant($"  {status}, {reason ?? "(none)"}: {count}"));
        }

        output.WriteLine(Invariant($"tokens: prompt {tally.PromptTokens}, completion {tally.CompletionTokens}"));
        output.WriteLine(Invariant($"turns: {tally.Turns}, with reasoning: {tally.TurnsWithReasoning}"));
        output.WriteLine("finish_reason: " + Counts(tally.ByFinishReason));
        output.WriteLine("model: " + Counts(tally.ByModel));

        if (tally.Schema is { } schema)
        {
            output.WriteLine("schema:");
            foreach (var field in schema.FieldsList)
            {
                output.WriteLine($"  {field.Name}: {ArrowTypeNames.Format(field)}");
            }
        }

        if (tally.Samples.Count > 0)
        {
            output.WriteLine("sample rows:");
            foreach (var row in tally.Samples)
            {
                output.WriteLine("  " + Sample(row));
            }
        }

        if (tally.SchemaMismatches.Count > 0)
        {
            output.WriteLine($"warning: the columns of {string.Join(", ", tally.SchemaMismatches)} differ from the first part's");
        }

        if (tally.Unfinished.Count > 0)
        {
            output.WriteLine($"warning: {string.Join(", ", tally.Unfinished)} has no end-of-stream marker: still being written, or its rank stopped early");
        }

        if (tally.Duplicates > 0)
        {
            output.WriteLine(Invariant(
                $"warning: {tally.Duplicates} rows repeat an id already seen (e.g. {string.Join(", ", tally.DuplicateExamplesSeen)}); every task should appear once"));
        }
    }

    /// <summary>"stop 950, length 50", most frequent first; "(none recorded)" when no turn has the field.</summary>
    private static string Counts(Dictionary<string, long> counts) =>
        counts.Count == 0
            ? "(none recorded)"
            : OneLine(string.Join(", ", counts
                .OrderByDescending(c => c.Value)
                .ThenBy(c => c.Key, StringComparer.Ordinal)
                .Select(c => Invariant($"{c.Key} {c.Value}"))));

    private static string Sample(PartRow row)
    {
        var lastMessage = row.Messages.Count == 0 ? null : row.Messages[^1];
        var text = Invariant(
            $"id={row.Id}, status={row.Status}, reason={row.Reason ?? "(none)"}, messages={row.Messages.Count}, last={ArrowValues.Display(Preview(lastMessage?.Content))}");
        if (lastMessage is { FinishReason: not null } or { Model: not null } or { Reasoning: not null })
        {
            text += $", last_finish_reason={lastMessage.FinishReason ?? "(none)"}, last_model={lastMessage.Model ?? "(none)"}";
            if (lastMessage.Reasoning is { } reasoning)
            {
                text += $", last_reasoning={ArrowValues.Display(Preview(reasoning))}";
            }
        }

        foreach (var (name, value) in row.Columns)
        {
            text += $", {name}={ArrowValues.Display(value)}";
        }

        return OneLine(text);
    }

    private static string? Preview(string? text) => text is { Length: > ContentPreview } ? text[..ContentPreview] : text;

    private static string Detail(Exception ex, string part) =>
        ex is InvalidDataException && ex.Message.StartsWith(part, StringComparison.Ordinal)
            ? ex.Message[part.Length..].TrimStart(':', ' ')
            : ex.Message;

    private static string OneLine(string text) => text.ReplaceLineEndings("\\n");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
