using Matrix.Scenarios.Nr;

namespace Matrix.Tests.Scenarios;

[TestClass]
public sealed class NrEnglishTests
{
    [TestMethod]
    [DataRow("The derivative of a function measures how fast its value changes when the input changes. For a straight line it is the slope, and for a curve it is the slope of the tangent at each point.")]
    [DataRow("Best deals on running shoes! Save up to 40% today only. Free shipping on all orders over $50. Click here to buy now.")]
    [DataRow("Posted by admin on March 3, 2021. It's been a while, but we are back with more news about the project.")]
    public void English_text_scores_at_least_the_default_threshold(string text)
    {
        Assert.IsGreaterThanOrEqualTo(0.8, NrEnglish.Score(text), text);
    }

    [TestMethod]
    [DataRow("Die Ableitung einer Funktion misst, wie schnell sich ihr Wert ändert, wenn sich die Eingabe ändert. Bei einer Geraden ist sie die Steigung.")]
    [DataRow("La dérivée d'une fonction mesure la vitesse à laquelle sa valeur change lorsque l'entrée change. Pour une droite, c'est la pente.")]
    [DataRow("La derivada de una función mide qué tan rápido cambia su valor cuando cambia la entrada. Para una recta es la pendiente.")]
    [DataRow("De afgeleide van een functie meet hoe snel de waarde verandert als de invoer verandert. Voor een rechte lijn is dat de helling.")]
    [DataRow("Производная функции показывает, как быстро меняется её значение при изменении аргумента.")]
    [DataRow("函数的导数衡量当输入变化时其值变化的快慢。对于直线，它就是斜率。")]
    [DataRow("関数の導関数は、入力が変化したときに値がどれだけ速く変化するかを表します。")]
    [DataRow("Home | About Us | Products | Blog | Contact | Login | Register | Cart (0) | Privacy Policy")]
    public void Other_languages_and_link_menus_score_below_it(string text)
    {
        Assert.IsLessThan(0.5, NrEnglish.Score(text), text);
    }

    [TestMethod]
    public void Nothing_to_read_scores_zero()
    {
        Assert.AreEqual(0, NrEnglish.Score(null));
        Assert.AreEqual(0, NrEnglish.Score(string.Empty));
        Assert.AreEqual(0, NrEnglish.Score("12345 67 = 89 + 0.5"));
        Assert.AreEqual(0, NrEnglish.Score("！？。"));
    }

    [TestMethod]
    public void Case_and_long_words_do_not_matter_and_only_the_start_of_a_long_text_is_read()
    {
        var english = "THE RESULT OF THE EXPERIMENT WAS CLEAR, AND WE COULD SEE THAT IT WORKED. ";
        Assert.AreEqual(1, NrEnglish.Score(english));
        Assert.AreEqual(1, NrEnglish.Score(english + "Pneumonoultramicroscopicsilicovolcanoconiosis is long."));

        var germanTail = string.Concat(Enumerable.Repeat(english, NrEnglish.MaxChars / english.Length + 1)) + string.Concat(Enumerable.Repeat("Die Straße ist nass. ", 1000));
        Assert.AreEqual(1, NrEnglish.Score(germanTail));
    }

    [TestMethod]
    public void On_the_sample_english_worked_problems_pass_and_other_languages_do_not()
    {
        foreach (var (id, index, document) in NrSampleData.Rows(1500))
        {
            var score = NrEnglish.Score(document.Text);
            switch (NrSampleData.KindOf(index))
            {
                case NrSampleKind.EnglishReasoning:
                    Assert.IsGreaterThanOrEqualTo(0.8, score, $"{id}: {document.Text}");
                    break;
                case NrSampleKind.OtherLanguage:
                    Assert.IsLessThan(0.8, score, $"{id}: {document.Text}");
                    break;
            }
        }
    }
}
