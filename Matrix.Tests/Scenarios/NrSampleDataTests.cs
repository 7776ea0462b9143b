using Matrix.Scenarios.Nr;

namespace Matrix.Tests.Scenarios;

[TestClass]
public sealed class NrSampleDataTests
{
    [TestMethod]
    public void The_sample_is_the_same_on_every_call()
    {
        for (long i = 0; i < 300; i += 7)
        {
            var a = NrSampleData.Generate(i);
            var b = NrSampleData.Generate(i);
            Assert.AreEqual(a.Text, b.Text);
            Assert.AreEqual(a.Url, b.Url);
            Assert.AreEqual(a.EnglishScore, b.EnglishScore);
        }
    }

    [TestMethod]
    public void A_thousand_documents_mix_good_english_junk_and_six_other_languages()
    {
        var rows = NrSampleData.Rows(1000).ToList();

        var kinds = rows.GroupBy(r => NrSampleData.KindOf(r.Index)).ToDictionary(g => g.Key, g => g.Count());
        Assert.IsTrue(kinds[NrSampleKind.EnglishReasoning] is > 320 and < 440, $"reasoning: {kinds[NrSampleKind.EnglishReasoning]}");
        Assert.IsTrue(kinds[NrSampleKind.EnglishJunk] is > 360 and < 480, $"junk: {kinds[NrSampleKind.EnglishJunk]}");
        Assert.IsTrue(kinds[NrSampleKind.OtherLanguage] is > 150 and < 250, $"other: {kinds[NrSampleKind.OtherLanguage]}");

        var texts = rows.Select(r => r.Document.Text!).ToList();
        Assert.IsTrue(texts.Any(t => t.Contains("Beschleunigung", StringComparison.Ordinal)), "German");
        Assert.IsTrue(texts.Any(t => t.Contains("accélère", StringComparison.Ordinal)), "French");
        Assert.IsTrue(texts.Any(t => t.Contains("acelera", StringComparison.Ordinal)), "Spanish");
        Assert.IsTrue(texts.Any(t => t.Contains("Автомобиль", StringComparison.Ordinal)), "Russian");
        Assert.IsTrue(texts.Any(t => t.Contains("汽车", StringComparison.Ordinal)), "Chinese");
        Assert.IsTrue(texts.Any(t => t.Contains("加速", StringComparison.Ordinal) && t.Contains("です", StringComparison.Ordinal)), "Japanese");
        Assert.IsTrue(texts.Any(t => t.StartsWith("Home | About Us", StringComparison.Ordinal)), "navigation");
        Assert.IsTrue(texts.Any(t => t.Contains("Click here to buy now", StringComparison.Ordinal)), "ads");
        Assert.IsTrue(texts.Any(t => t.Length < 80), "short fragments");

        var scored = rows.Count(r => r.Document.EnglishScore is not null);
        Assert.IsTrue(scored is > 330 and < 470, $"{scored} rows carry an English score");
        Assert.IsTrue(rows.All(r => r.Document.EnglishScore is null or >= 0 and <= 1));
        Assert.IsGreaterThan(900, texts.Distinct(StringComparer.Ordinal).Count(), "texts vary");
        Assert.AreEqual(1000, rows.Select(r => r.Document.Url).Distinct(StringComparer.Ordinal).Count());
    }

    [TestMethod]
    public void Ids_are_zero_padded_and_far_rows_generate()
    {
        Assert.AreEqual("sample-000042", NrSampleData.IdOf(42));
        Assert.AreEqual("sample-1000000", NrSampleData.IdOf(1_000_000));
        foreach (var index in new long[] { 99_999, 1_000_000, 12_345_678, 987_654_321 })
        {
            Assert.IsFalse(string.IsNullOrWhiteSpace(NrSampleData.Generate(index).Text));
        }

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => NrSampleData.Generate(-1));
    }
}
