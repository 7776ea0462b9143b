using System.Globalization;
using System.Text.Json;
using Matrix.Store.Arrow.Read;
using Matrix.Tests.Support;

namespace Matrix.Tests.RealLlm;

/// <summary>The published <c>./bin/matrix</c> as a real process against a <see cref="LlamaServer"/>, and its output read back.</summary>
internal static class LlamaRuns
{
    /// <summary>Retries that outlast a kill -9 and restart of the server (about 20 s of backoff in all).</summary>
    public static readonly string[] PatientRetries = ["llm.max_retries=40", "llm.backoff_ms=200", "llm.max_backoff_ms=1000", "llm.timeout_seconds=120"];

    public static string Matrix
    {
        get
        {
            var path = Path.Combine(Repo.Root, "bin", "matrix");
            if (!File.Exists(path))
            {
                Assert.Fail($"{path} is missing: run ./build.sh (it publishes bin/matrix)");
            }

            return path;
        }
    }

    /// <summary>coral against <paramref name="server"/>: two turns of short replies (random weights never agree).</summary>
    public static string[] Coral(LlamaServer server, int tasks, string outDir, params string[] settings) =>
    [
        "run", "coral", "--tasks", tasks.ToString(CultureInfo.InvariantCulture), "--out", outDir,
        "--llm", server.BaseUrl.ToString(), "--model", "tiny",
        "--set", "coral.max_turns=2", "coral.max_tokens=24", "coral.extractor_max_tokens=8", .. settings,
    ];

    public static Task<(int ExitCode, string Out, string Error)> RunAsync(IEnumerable<string> args) =>
        Repo.RunAsync(Matrix, args, TimeSpan.FromMinutes(8));

    public static JsonElement Manifest(string dir) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json"))).RootElement;

    /// <summary>Every task has exactly one record, each <c>success</c>; returns them.</summary>
    public static List<PartRow> AssertAllSucceeded(string dir, int tasks, string context)
    {
        var rows = PartReader.ReadDirectory(dir).ToList();
        Assert.HasCount(tasks, rows, context);
        Assert.AreEqual(tasks, rows.Select(r => r.Id).Distinct().Count(), "one record per task");
        foreach (var row in rows)
        {
            Assert.AreEqual("success", row.Status, $"{row.Id}: {row.Reason} {row.Error}\n{context}");
        }

        return rows;
    }

    /// <summary>The manifest's token totals are the sums over the records.</summary>
    public static void AssertManifestTokensMatch(string dir, IReadOnlyList<PartRow> rows)
    {
        var tokens = Manifest(dir).GetProperty("tokens");
        Assert.AreEqual(rows.Sum(r => r.PromptTokens), tokens.GetProperty("prompt").GetInt64(), "manifest prompt tokens");
        Assert.AreEqual(rows.Sum(r => r.CompletionTokens), tokens.GetProperty("completion").GetInt64(), "manifest completion tokens");
    }
}
