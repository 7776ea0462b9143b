using System.Globalization;

namespace Matrix.Scenarios.Nr;

/// <summary>The templates of <see cref="NrSampleData"/>: each a function of a number <c>k</c> and the row's generator.</summary>
internal static class NrSampleTexts
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly string[] Intros =
    [
        string.Empty, "Worked example. ", "From the lecture notes: ", "Exercise with solution. ", "A common textbook problem. ",
    ];

    private static readonly string[] Products = ["wireless earbuds", "running shoes", "smart watches", "garden furniture", "phone cases", "coffee makers"];
    private static readonly string[] Names = ["admin", "Sarah", "mike_87", "Jessica", "the editors", "Tom"];
    private static readonly string[] Places = ["the beach", "Vegas", "the new mall", "grandma's", "the festival", "Chicago"];
    private static readonly string[] Months = ["January", "March", "May", "July", "September", "November"];
    private static readonly string[] Materials = ["cotton", "leather", "stainless steel", "bamboo", "wool"];
    private static readonly string[] Stars = ["A famous pop singer", "The reality TV star", "A Hollywood actor", "The former football captain"];

    private static string F(double value, string format = "0.##") => value.ToString(format, Inv);

    /// <summary>An English worked problem or technical explanation.</summary>
    public static string Reasoning(long k, ref NrSampleRandom rng) => rng.Pick(Intros) + rng.Below(8) switch
    {
        0 => Kinematics(k),
        1 => Interest(k),
        2 => Moles(k),
        3 => Series(k),
        4 => BinarySearch(k),
        5 => Dice(k),
        6 => Circuit(k),
        _ => Growth(k),
    };

    /// <summary>English junk, with the English score a fastText model would give it (menus and fragments look less English).</summary>
    public static (string Text, double EnglishScore) Junk(long k, ref NrSampleRandom rng)
    {
        var year = 2015 + (k % 10);
        return rng.Below(6) switch
        {
            0 => ($"Best deals on {rng.Pick(Products)}! Save up to {10 + (k % 60)}% today only. Free shipping on all orders over ${25 + (k % 75)}. "
                + "Click here to buy now and subscribe to our newsletter for exclusive coupons. Limited stock, don't miss out!!! "
                + $"Offer code SAVE{k % 1000}.", 0.8 + (rng.NextDouble() * 0.18)),
            1 => ($"Home | About Us | Products | Blog | Contact | Login | Register | Cart ({k % 9}) | Privacy Policy | Terms of Use | "
                + $"© {year} Example Corp {k}. All rights reserved.", 0.3 + (rng.NextDouble() * 0.4)),
            2 => ($"Posted by {rng.Pick(Names)} on {rng.Pick(Months)} {1 + (k % 28)}, {year}. {k % 50} comments.", 0.5 + (rng.NextDouble() * 0.45)),
            3 => ($"omg just got back from {rng.Pick(Places)} and it was sooo good lol. cant wait to go again next weekend with {rng.Pick(Names)}!! "
                + $"who else is going?? #weekend{k}", 0.7 + (rng.NextDouble() * 0.25)),
            4 => ($"This elegant {rng.Pick(Products)} set is made from premium {rng.Pick(Materials)} and comes in {3 + (k % 9)} beautiful colors. "
                + "It is perfect for everyday use and makes a great gift for friends and family. Our customers love the soft feel and the "
                + $"timeless design. Machine washable. Imported. Order yours today and enjoy fast delivery to your door. Item no. {100000 + k}.",
                0.85 + (rng.NextDouble() * 0.14)),
            _ => ($"{rng.Pick(Stars)} was spotted at {rng.Pick(Places)} on Friday wearing a stunning outfit. Fans could not stop talking about the "
                + "look on social media, and some say it was the best appearance of the year. The star has not commented on the rumors about "
                + $"a new project yet. Story {k}.", 0.85 + (rng.NextDouble() * 0.14)),
        };
    }

    /// <summary>A document in another language than English: a worked problem or an ad.</summary>
    public static string OtherLanguage(long k, ref NrSampleRandom rng)
    {
        var v = 10 + (k % 40);
        var t = 2 + (k / 40 % 10);
        var a = F((double)v / t);
        var d = F(v * t / 2.0);
        return rng.Below(9) switch
        {
            0 => $"Ein Auto fährt aus dem Stand los und beschleunigt gleichmäßig in {t} Sekunden auf {v} m/s. Welche Strecke legt es dabei zurück? "
                + $"Die Beschleunigung beträgt a = v / t = {a} m/s². Für die Strecke bei konstanter Beschleunigung gilt d = ½·a·t², also d = {d} m. "
                + "Zur Kontrolle: Die Durchschnittsgeschwindigkeit ist halb so groß wie die Endgeschwindigkeit, und das Produkt mit der Zeit ergibt denselben Wert.",
            1 => $"Une voiture démarre à l'arrêt et accélère uniformément jusqu'à {v} m/s en {t} secondes. Quelle distance parcourt-elle ? "
                + $"L'accélération vaut a = v / t = {a} m/s². Pour un mouvement uniformément accéléré, la distance est d = ½·a·t², soit d = {d} m. "
                + "On vérifie le résultat avec la vitesse moyenne, qui est la moitié de la vitesse finale.",
            2 => $"Un coche parte del reposo y acelera de manera uniforme hasta {v} m/s en {t} segundos. ¿Qué distancia recorre? "
                + $"La aceleración es a = v / t = {a} m/s². Con aceleración constante, la distancia es d = ½·a·t², es decir, d = {d} m. "
                + "Podemos comprobarlo con la velocidad media, que es la mitad de la velocidad final.",
            3 => $"Автомобиль трогается с места и равномерно разгоняется до {v} м/с за {t} секунд. Какой путь он проходит? "
                + $"Ускорение равно a = v / t = {a} м/с². При равноускоренном движении путь равен d = ½·a·t², то есть d = {d} м. "
                + "Проверка: средняя скорость равна половине конечной скорости.",
            4 => $"一辆汽车从静止开始匀加速，在{t}秒内速度达到{v}米/秒。它行驶了多远？因此加速度为 a = v / t = {a} 米/秒²。"
                + $"匀加速运动的位移公式为 d = ½·a·t²，所以 d = {d} 米。我们可以用平均速度来验证这个结果，平均速度是末速度的一半。",
            5 => $"静止状態から一様に加速して{t}秒で{v} m/sに達する車があります。この間に進む距離はいくらですか。加速度は a = v / t = {a} m/s² です。"
                + $"等加速度運動の距離は d = ½·a·t² なので、d = {d} m となります。",
            6 => $"Jetzt kaufen und sparen! Bis zu {10 + (k % 60)} % Rabatt auf alle Sportschuhe. Kostenloser Versand ab {20 + (k % 30)} €. "
                + $"Hier klicken und Newsletter abonnieren. Angebot gültig bis Sonntag. Artikelnummer {k}.",
            7 => $"¡Ofertas increíbles! Hasta un {10 + (k % 60)} % de descuento en relojes inteligentes. Envío gratis en pedidos superiores a {20 + (k % 30)} €. "
                + $"¡Haz clic aquí y compra ahora! Código {k}.",
            _ => $"限时优惠！全场{1 + (k % 9)}折起，满{100 + (k % 400)}元包邮。立即购买，还有精美礼品相送！商品编号{k}。",
        };
    }

    private static string Kinematics(long k)
    {
        var v = 10 + (k % 40);
        var t = 2 + (k / 40 % 10);
        string a = F((double)v / t), d = F(v * t / 2.0), half = F(v / 2.0);
        return $"A car starts from rest and accelerates uniformly to {v} m/s in {t} seconds. How far does it travel in that time? "
            + $"Because the acceleration is constant, we can first calculate it from its definition: a = v / t = {a} m/s². "
            + $"The distance covered from rest under constant acceleration is given by the equation d = ½·a·t², so d = ½ × {a} × {t}² = {d} m. "
            + $"As a check, the average speed over the interval is half the final speed, {half} m/s, and multiplying it by the time gives the same result: "
            + $"{half} × {t} = {d} m. Therefore the car travels {d} meters.";
    }

    private static string Interest(long k)
    {
        var p = 1000 + (250 * (k % 37));
        var r = 2 + (k % 9);
        var n = 2 + (k / 37 % 8);
        var factor = 1 + (r / 100.0);
        var power = Math.Pow(factor, n);
        var total = Math.Round(p * power, 2);
        return $"Suppose you deposit ${p} in a savings account that pays {r}% interest per year, compounded annually. How much money will be in "
            + $"the account after {n} years? Each year the balance is multiplied by 1 + {r}/100 = {F(factor)}, so after {n} years the formula "
            + $"gives A = P × (1 + r)^n = {p} × {F(factor)}^{n}. To compute this, we raise {F(factor)} to the power {n}, which gives {F(power, "0.####")}, "
            + $"and multiply by the principal. Hence the balance is ${F(total, "0.00")}. Note that the interest earned, ${F(total - p, "0.00")}, is more "
            + $"than {n} times {r}% of the deposit, because interest is also paid on earlier interest.";
    }

    private static string Moles(long k)
    {
        var (name, formula, molar) = (k / 90 % 3) switch
        {
            0 => ("water", "H₂O", 18.02),
            1 => ("table salt", "NaCl", 58.44),
            _ => ("carbon dioxide", "CO₂", 44.01),
        };
        var mass = 10 + (k % 90);
        var moles = mass / molar;
        return $"How many moles are contained in {mass} g of {name}? The molar mass of {formula} is {F(molar)} g/mol, which we derive by adding "
            + $"the atomic masses of its atoms. The number of moles is the mass divided by the molar mass: n = m / M = {mass} / {F(molar)} = "
            + $"{F(moles, "0.###")} mol. Therefore {mass} g of {name} contains about {F(moles, "0.###")} moles, which is about "
            + $"{F(moles * 6.022, "0.##")} × 10²³ particles, since one mole holds 6.022 × 10²³ of them.";
    }

    private static string Series(long k)
    {
        var n = 10 + (k % 200);
        var a = 1 + (k / 200 % 20);
        var d = 2 + (k % 5);
        var last = a + ((n - 1) * d);
        var sum = n * (a + last) / 2.0;
        return $"Find the sum of the first {n} terms of the arithmetic sequence that starts at {a} and increases by {d} each time. "
            + $"The last term is a + (n − 1)·d = {a} + {n - 1} × {d} = {last}. Because the terms are evenly spaced, the average term equals the "
            + $"average of the first and the last, ({a} + {last}) / 2 = {F((a + last) / 2.0)}. The sum is the number of terms times the average "
            + $"term, so S = {n} × {F((a + last) / 2.0)} = {F(sum)}. We can verify that the formula S = n/2 · (2a + (n − 1)d) gives {F(sum)} as well.";
    }

    private static string BinarySearch(long k)
    {
        var n = 1000 + (37 * k);
        var c = 64 - long.LeadingZeroCount(n);
        return $"How many comparisons does binary search need in the worst case to find an element in a sorted array of {n} items? "
            + "Each comparison halves the part of the array that can still contain the element. After c comparisons at most n / 2^c items "
            + $"remain, so the search ends once 2^c exceeds n. Since 2^{c - 1} = {1L << (int)(c - 1)} is not more than {n} and 2^{c} = {1L << (int)c} is, "
            + $"the worst case takes {c} comparisons. This is why binary search runs in O(log n) time, while a linear scan may need all {n}.";
    }

    private static string Dice(long k)
    {
        var s = 2 + (k % 11);
        var ways = 6 - Math.Abs(s - 7);
        var pairs = string.Join(", ", Enumerable.Range(1, 6).Where(x => s - x is >= 1 and <= 6).Select(x => $"({x}, {s - x})"));
        var rolls = 36 * (1 + (k / 11));
        return $"What is the probability that the sum of two fair six-sided dice is {s}? There are 6 × 6 = 36 equally likely outcomes. "
            + $"We count the pairs that give a sum of {s}: {pairs}. That makes {ways} favourable outcomes, so the probability is "
            + $"{ways}/36 = {F(ways / 36.0, "0.####")}. Hence, if the pair is rolled {rolls} times, we expect a sum of {s} about "
            + $"{rolls} × {ways}/36 = {rolls * ways / 36} times.";
    }

    private static string Circuit(long k)
    {
        var r1 = 10 + (k % 50);
        var r2 = 20 + (k * 7 % 80);
        var v = 5 + (k / 50 % 20);
        var r = r1 + r2;
        var i = (double)v / r;
        return $"Two resistors of {r1} Ω and {r2} Ω are connected in series to a {v} V battery. What current flows, and how much power does "
            + $"the second resistor dissipate? In a series circuit the resistances add, so the total resistance is {r1} + {r2} = {r} Ω. "
            + $"By Ohm's law the current is I = V / R = {v} / {r} = {F(i, "0.####")} A. The power in the second resistor is P = I²·R₂ = "
            + $"{F(i, "0.####")}² × {r2} = {F(i * i * r2, "0.####")} W. Thus the current is {F(i, "0.####")} A and the second resistor "
            + $"dissipates {F(i * i * r2, "0.####")} W.";
    }

    private static string Growth(long k)
    {
        var n0 = 100 + (50 * (k % 30));
        var td = 20 + (5 * (k / 30 % 8));
        var g = 3 + (k % 5);
        var t = td * g;
        var n = n0 * (1L << (int)g);
        return $"A bacterial culture starts with {n0} cells and doubles every {td} minutes. How many cells are present after {t} minutes? "
            + $"The number of doublings is t / t_d = {t} / {td} = {g}. Because the population doubles each time, N = N₀ × 2^g = "
            + $"{n0} × 2^{g} = {n0} × {1L << (int)g} = {n}. So after {t} minutes the culture contains {n} cells, assuming that nutrients "
            + "do not run out and no cells die.";
    }
}
