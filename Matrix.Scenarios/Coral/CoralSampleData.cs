using System.Globalization;

namespace Matrix.Scenarios.Coral;

/// <summary>
/// coral's built-in sample: multiple-choice questions generated in code, so that <c>matrix run coral</c>
/// works with nothing else. Row <c>i</c> is a pure function of <c>i</c>: template <c>i mod 10</c>
/// (multiplication, addition, subtraction, squares, unit conversion, percentages, remainders, number
/// sequences, the largest of a list, days of the week) with parameters that grow with <c>i / 10</c>, so
/// every row's question text differs from every other row's; the options (4 to 10) are the answer and
/// near misses in a shuffled order. Ids are <c>sample-000000</c>, <c>sample-000001</c>, … (more digits
/// past a million).
/// </summary>
internal static class CoralSampleData
{
    private const int Templates = 10;

    private static readonly (string Big, string Small, int Factor)[] Units =
    [
        ("kilometers", "meters", 1000),
        ("hours", "minutes", 60),
        ("minutes", "seconds", 60),
        ("kilograms", "grams", 1000),
        ("feet", "inches", 12),
        ("yards", "feet", 3),
        ("days", "hours", 24),
        ("weeks", "days", 7),
        ("liters", "milliliters", 1000),
        ("centuries", "years", 100),
    ];

    private static readonly int[] Percents = [5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 80, 90];

    private static readonly string[] Days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

    public static string IdOf(long index) => "sample-" + index.ToString("D6", CultureInfo.InvariantCulture);

    /// <summary>The sample's first <paramref name="count"/> rows, generated as they are read.</summary>
    public static IEnumerable<(string Id, long Index, CoralQuestion Question)> Rows(long count, CancellationToken cancellationToken = default)
    {
        for (long i = 0; i < count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return (IdOf(i), i, Generate(i));
        }
    }

    /// <summary>Row <paramref name="index"/> of the sample.</summary>
    public static CoralQuestion Generate(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var rng = new SplitMix(0x636F72616CUL ^ (ulong)index);
        var k = index / Templates;
        var options = 4 + rng.Below(7);
        return (int)(index % Templates) switch
        {
            0 => Multiply(k, options, ref rng),
            1 => Add(k, options, ref rng),
            2 => Subtract(k, options, ref rng),
            3 => Square(k, options, ref rng),
            4 => Convert(k, options, ref rng),
            5 => Percent(k, options, ref rng),
            6 => Remainder(k, options, ref rng),
            7 => Sequence(k, options, ref rng),
            8 => Largest(k, options, ref rng),
            _ => Weekday(k, options, ref rng),
        };
    }

    private static CoralQuestion Multiply(long k, int options, ref SplitMix rng)
    {
        long a = 11 + (k % 89), b = 12 + (k / 89);
        var p = a * b;
        return Numeric(string.Create(CultureInfo.InvariantCulture, $"What is {a} × {b}?"), p, [p + 10, p - 10, p + a, p - a, p + b, p - b, p + 1, p - 1, p + 100, p - 100, SwapLastDigits(p)], options, ref rng);
    }

    private static CoralQuestion Add(long k, int options, ref SplitMix rng)
    {
        long x = 100 + k, y = 100 + (k * 7919 % 9000);
        var s = x + y;
        return Numeric(string.Create(CultureInfo.InvariantCulture, $"What is {x} + {y}?"), s, [s + 10, s - 10, s + 1, s - 1, s + 100, s - 100, s + 11, s - 9, SwapLastDigits(s)], options, ref rng);
    }

    private static CoralQuestion Subtract(long k, int options, ref SplitMix rng)
    {
        long x = 500 + k, y = 17 + (k * 31 % 400);
        var d = x - y;
        return Numeric(string.Create(CultureInfo.InvariantCulture, $"What is {x} - {y}?"), d, [d + 10, d - 10, d + 1, d - 1, d + 2, d - 2, d + 100, x + y, SwapLastDigits(d)], options, ref rng);
    }

    private static CoralQuestion Square(long k, int options, ref SplitMix rng)
    {
        var n = 11 + k;
        var sq = n * n;
        return Numeric(string.Create(CultureInfo.InvariantCulture, $"What is {n} squared?"), sq, [n * (n + 1), n * (n - 1), sq + 1, sq - 1, sq + 10, sq - 10, 2 * n, sq + n, sq - n], options, ref rng);
    }

    private static CoralQuestion Convert(long k, int options, ref SplitMix rng)
    {
        var (big, small, factor) = Units[k % Units.Length];
        var n = 2 + (k / Units.Length);
        var v = n * factor;
        return Numeric(string.Create(CultureInfo.InvariantCulture, $"How many {small} are in {n} {big}?"), v, [v * 10, v / 10, v + factor, v - factor, (n + 1) * factor, v + (factor / 2), n * 100, n * 60, n * 12, v + 10], options, ref rng);
    }

    private static CoralQuestion Percent(long k, int options, ref SplitMix rng)
    {
        var p = Percents[k % Percents.Length];
        var n = 20 * (1 + (k / Percents.Length));
        var v = p * n / 100;
        return Numeric(string.Create(CultureInfo.InvariantCulture, $"What is {p}% of {n}?"), v, [v * 10, v / 10, n - v, v + p, v - p, v + 1, v - 1, v * 2, v + 5, v - 5], options, ref rng);
    }

    private static CoralQuestion Remainder(long k, int options, ref SplitMix rng)
    {
        long a = 50 + k, b = 3 + (k * 13 % 17);
        var r = a % b;
        return Numeric(string.Create(CultureInfo.InvariantCulture, $"What is the remainder when {a} is divided by {b}?"), r, [r + 1, r - 1, r + 2, r - 2, b - r, a / b, b, r + b, 0, 1], options, ref rng);
    }

    private static CoralQuestion Sequence(long k, int options, ref SplitMix rng)
    {
        long a = 1 + (k % 50), d = 2 + (k / 50);
        var next = a + (4 * d);
        return Numeric(
            string.Create(CultureInfo.InvariantCulture, $"What is the next number in the sequence {a}, {a + d}, {a + (2 * d)}, {a + (3 * d)}, ...?"),
            next,
            [next + 1, next - 1, next + d, next - d + 1, next + 2, next - 2, a + (3 * d) + d + d, next + 10, 2 * next],
            options,
            ref rng);
    }

    /// <summary>The options are the listed numbers; the smallest is <c>10 + k</c>, so every list differs.</summary>
    private static CoralQuestion Largest(long k, int options, ref SplitMix rng)
    {
        var values = new List<long>(options) { 10 + k };
        while (values.Count < options)
        {
            var v = 10 + k + 1 + rng.Below(400 + (int)Math.Min(k, 100_000));
            if (!values.Contains(v))
            {
                values.Add(v);
            }
        }

        rng.Shuffle(values);
        var texts = values.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray();
        var list = string.Join(", ", texts);
        var max = values.Max();
        return new CoralQuestion(string.Create(CultureInfo.InvariantCulture, $"Which of these numbers is the largest: {list}?"), texts, values.IndexOf(max));
    }

    private static CoralQuestion Weekday(long k, int options, ref SplitMix rng)
    {
        var start = (int)(k % 7);
        var n = 10 + k;
        var answer = Days[(start + n) % 7];
        var pool = Days.Where(d => d != answer).ToList();
        rng.Shuffle(pool);
        var texts = pool.Take(Math.Min(options, 7) - 1).Append(answer).ToList();
        rng.Shuffle(texts);
        return new CoralQuestion(string.Create(CultureInfo.InvariantCulture, $"If today is {Days[start]}, what day of the week will it be in {n} days?"), texts, texts.IndexOf(answer));
    }

    /// <summary>
    /// The answer and <paramref name="options"/> - 1 distinct, non-negative near misses: first from the
    /// template's own (in a random order), then the nearest numbers around the answer, all shuffled.
    /// </summary>
    private static CoralQuestion Numeric(string question, long answer, long[] nearMisses, int options, ref SplitMix rng)
    {
        var candidates = nearMisses.ToList();
        rng.Shuffle(candidates);
        var chosen = new List<long>(options) { answer };
        foreach (var c in candidates)
        {
            if (chosen.Count == options)
            {
                break;
            }

            if (c >= 0 && !chosen.Contains(c))
            {
                chosen.Add(c);
            }
        }

        for (long d = 1; chosen.Count < options; d++)
        {
            foreach (var c in (ReadOnlySpan<long>)[answer + d, answer - d])
            {
                if (chosen.Count < options && c >= 0 && !chosen.Contains(c))
                {
                    chosen.Add(c);
                }
            }
        }

        rng.Shuffle(chosen);
        var texts = chosen.Select(v => v.ToString(CultureInfo.InvariantCulture)).ToArray();
        return new CoralQuestion(question, texts, chosen.IndexOf(answer));
    }

    /// <summary>A classic slip: the last two digits swapped (the number itself when they are equal).</summary>
    private static long SwapLastDigits(long v)
    {
        if (v < 10)
        {
            return v;
        }

        long ones = v % 10, tens = v / 10 % 10;
        return v - ones - (tens * 10) + (ones * 10) + tens;
    }

    /// <summary>SplitMix64: a tiny deterministic generator, one per row.</summary>
    private struct SplitMix(ulong seed)
    {
        private ulong _state = seed;

        public int Below(int bound) => (int)(Next() % (ulong)bound);

        public void Shuffle<T>(List<T> items)
        {
            for (var i = items.Count - 1; i > 0; i--)
            {
                var j = Below(i + 1);
                (items[i], items[j]) = (items[j], items[i]);
            }
        }

        private ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
