using System.Globalization;
using System.Xml.Linq;

namespace Matrix.Hosting.Bench;

/// <summary>
/// DIR/bench.svg: a hand-written bar chart, one panel per suite (fleet: utilization of C per scheduler and
/// scenario, labelled with tokens/s; ceiling: hops/s per row; scale: memory per in-flight task), with the
/// performance targets (docs/BENCHMARKS.md) as dashed marks. Built with System.Xml.Linq, so it is well-formed XML by construction.
/// </summary>
internal static class BenchSvgWriter
{
    private const double Width = 960;
    private const double PanelHeight = 300;
    private const double Left = 80;
    private const double Right = 30;
    private const double Top = 50;
    private const double Bottom = 60;

    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly Dictionary<string, string> Colors = new(StringComparer.Ordinal)
    {
        ["p2p"] = "#2b6cb0",
        ["batch"] = "#dd6b20",
        ["central"] = "#718096",
    };

    /// <summary>One bar: its value on the panel's axis, the text above it, an optional target mark.</summary>
    private sealed record Bar(string Label, double? Value, string Text, double? Target, string Color);

    private sealed record Group(string Label, IReadOnlyList<Bar> Bars);

    private sealed record Panel(string Title, string Axis, Func<double, string> Tick, IReadOnlyList<Group> Groups, IReadOnlyList<(double Value, string Label)> Lines);

    public static XDocument Render(BenchReport report)
    {
        var panels = report.Suites.Select(PanelOf).Where(p => p is not null).Select(p => p!).ToList();
        const double Header = 50;
        var height = Header + (panels.Count * PanelHeight) + 30;
        var root = new XElement(
            Svg + "svg",
            new XAttribute("width", N(Width)),
            new XAttribute("height", N(height)),
            new XAttribute("viewBox", $"0 0 {N(Width)} {N(height)}"),
            new XAttribute("font-family", "sans-serif"),
            new XAttribute("font-size", "12"),
            new XElement(Svg + "rect", new XAttribute("width", "100%"), new XAttribute("height", "100%"), new XAttribute("fill", "white")),
            Text(16, 22, "matrix bench", 16, "start", "bold"),
            Text(16, 40, report.Machine.Describe(), 9, "start"));
        for (var i = 0; i < panels.Count; i++)
        {
            root.Add(Draw(panels[i], Header + (i * PanelHeight)));
        }

        if (panels.Count == 0)
        {
            root.Add(Text(Left, 60, "no suite produced figures", 12, "start"));
        }

        root.Add(Text(16, height - 10, $"{report.CommandLine} ({report.StartedAt.ToString("yyyy-MM-dd HH:mm", Inv)} UTC)", 10, "start"));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root);
    }

    public static async Task WriteAsync(string path, BenchReport report, CancellationToken cancellationToken)
    {
        await using var stream = File.Create(path);
        await Render(report).SaveAsync(stream, SaveOptions.None, cancellationToken).ConfigureAwait(false);
    }

    private static Panel? PanelOf(SuiteResult suite) => suite switch
    {
        FleetResult f when f.Scenarios.Count > 0 => new Panel(
            "Fleet: completion tokens/s as a share of the fleet's capacity C (bars labelled with tokens/s)",
            "utilization of C",
            v => v.ToString("0%", Inv),
            [.. f.Scenarios.Select(s => new Group(
                s.Scenario,
                [.. s.Schedulers.Values.Select(x => new Bar(x.Scheduler, x["utilization"], Abbreviate(x["completion_tokens_per_second"]), x.Scheduler == FleetSuite.P2p ? PerformanceTargets.FleetUtilization : null, Colors.GetValueOrDefault(x.Scheduler, "#4a5568")))]))],
            [(1.0, "C")]),
        CeilingResult c when c.Rows.Count > 0 => new Panel(
            "Engine ceiling: orchestrator hops/s, LLM-free coral (dashes: targets)",
            "hops/s",
            Abbreviate,
            [.. c.Rows.Select(r => new Group(
                r.ShortLabel,
                [new Bar(r.Label, r.Run?["hops_per_second"], r.Run is null ? "skipped" : Abbreviate(r.Run["hops_per_second"]), r.Ranks == 1 ? PerformanceTargets.HopsPerSecondOneRank : PerformanceTargets.HopsPerSecondTwoRanks, "#2b6cb0")]))],
            []),
        ScaleResult s when s.Rows.Count > 0 => new Panel(
            "Scale: memory per in-flight task (dash: target at 100k)",
            "bytes per task",
            v => Format.Bytes(v),
            [.. s.Rows.Select(r => new Group(
                Format.Whole(r.InFlight) + " in flight",
                [new Bar("memory", r.MemoryPerInFlightTaskBytes, Format.Bytes(r.MemoryPerInFlightTaskBytes), r.InFlight >= 100_000 ? PerformanceTargets.MemoryPerInFlightTaskBytes : null, "#2f855a")]))],
            []),
        _ => null,
    };

    private static XElement Draw(Panel panel, double y0)
    {
        var g = new XElement(Svg + "g", new XAttribute("transform", $"translate(0,{N(y0)})"));
        var plotTop = Top;
        var plotBottom = PanelHeight - Bottom;
        var plotHeight = plotBottom - plotTop;
        var plotWidth = Width - Left - Right;
        var values = panel.Groups.SelectMany(gr => gr.Bars).SelectMany(b => new[] { b.Value, b.Target }).Concat(panel.Lines.Select(l => (double?)l.Value));
        var max = values.Where(v => v is not null && double.IsFinite(v.Value)).Select(v => v!.Value).DefaultIfEmpty(1).Max();
        max = max <= 0 ? 1 : max * 1.15;
        double Y(double v) => plotBottom - (Math.Clamp(v, 0, max) / max * plotHeight);

        g.Add(Text(Left, 24, panel.Title, 13, "start", "bold"));
        g.Add(Text(16, plotTop + (plotHeight / 2), panel.Axis, 11, "middle", transform: $"rotate(-90 16 {N(plotTop + (plotHeight / 2))})"));
        for (var i = 0; i <= 4; i++)
        {
            var v = max / 1.15 * i / 4;
            g.Add(Line(Left, Y(v), Width - Right, Y(v), "#e2e8f0", null));
            g.Add(Text(Left - 6, Y(v) + 4, panel.Tick(v), 10, "end"));
        }

        g.Add(Line(Left, plotBottom, Width - Right, plotBottom, "#4a5568", null));
        foreach (var (value, label) in panel.Lines)
        {
            g.Add(Line(Left, Y(value), Width - Right, Y(value), "#2d3748", "2,2"));
            g.Add(Text(Width - Right, Y(value) - 4, label, 10, "end"));
        }

        var groupWidth = plotWidth / Math.Max(1, panel.Groups.Count);
        for (var i = 0; i < panel.Groups.Count; i++)
        {
            var group = panel.Groups[i];
            var x0 = Left + (i * groupWidth);
            var barWidth = Math.Min(70, groupWidth * 0.8 / Math.Max(1, group.Bars.Count));
            var start = x0 + ((groupWidth - (barWidth * group.Bars.Count)) / 2);
            for (var j = 0; j < group.Bars.Count; j++)
            {
                var bar = group.Bars[j];
                var x = start + (j * barWidth);
                var top = Y(bar.Value ?? 0);
                g.Add(new XElement(
                    Svg + "rect",
                    new XAttribute("x", N(x + 2)),
                    new XAttribute("y", N(top)),
                    new XAttribute("width", N(barWidth - 4)),
                    new XAttribute("height", N(plotBottom - top)),
                    new XAttribute("fill", bar.Color),
                    new XElement(Svg + "title", $"{group.Label} {bar.Label}: {bar.Text}")));
                // A target mark just above or below the bar's top would cross its label: the label goes over both.
                var labelY = bar.Target is { } mark && Math.Abs(top - Y(mark)) < 14 ? Math.Min(top, Y(mark)) - 4 : top - 4;
                g.Add(Text(x + (barWidth / 2), labelY, bar.Value is null ? Format.Missing : bar.Text, 10, "middle"));
                if (group.Bars.Count > 1)
                {
                    g.Add(Text(x + (barWidth / 2), plotBottom + 14, bar.Label, 10, "middle"));
                }

                if (bar.Target is { } target)
                {
                    g.Add(Line(x, Y(target), x + barWidth, Y(target), "#c53030", "4,3"));
                }
            }

            g.Add(Text(x0 + (groupWidth / 2), plotBottom + (group.Bars.Count > 1 ? 32 : 16), group.Label, 11, "middle", "bold"));
        }

        return g;
    }

    private static XElement Line(double x1, double y1, double x2, double y2, string stroke, string? dash)
    {
        var line = new XElement(
            Svg + "line",
            new XAttribute("x1", N(x1)),
            new XAttribute("y1", N(y1)),
            new XAttribute("x2", N(x2)),
            new XAttribute("y2", N(y2)),
            new XAttribute("stroke", stroke),
            new XAttribute("stroke-width", dash is null ? "1" : "2"));
        if (dash is not null)
        {
            line.Add(new XAttribute("stroke-dasharray", dash));
        }

        return line;
    }

    private static XElement Text(double x, double y, string text, double size, string anchor, string? weight = null, string? transform = null)
    {
        var e = new XElement(
            Svg + "text",
            new XAttribute("x", N(x)),
            new XAttribute("y", N(y)),
            new XAttribute("font-size", N(size)),
            new XAttribute("text-anchor", anchor),
            text);
        if (weight is not null)
        {
            e.Add(new XAttribute("font-weight", weight));
        }

        if (transform is not null)
        {
            e.Add(new XAttribute("transform", transform));
        }

        return e;
    }

    /// <summary>Compact numbers for labels: 950, 12.3k, 1.25M.</summary>
    private static string Abbreviate(double? v) => v switch
    {
        null => Format.Missing,
        { } x when !double.IsFinite(x) => Format.Missing,
        { } x when Math.Abs(x) >= 1e6 => (x / 1e6).ToString("0.00", Inv) + "M",
        { } x when Math.Abs(x) >= 1e3 => (x / 1e3).ToString("0.#", Inv) + "k",
        { } x => x.ToString("0", Inv),
    };

    private static string Abbreviate(double v) => Abbreviate((double?)v);

    private static string N(double v) => v.ToString("0.##", Inv);
}
