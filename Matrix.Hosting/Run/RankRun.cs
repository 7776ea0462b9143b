using System.Globalization;
using Matrix.Engine.Llm;
using Matrix.Engine.Llm.Pools;
using Matrix.Engine.Metrics;
using Matrix.Engine.Output;
using Matrix.Engine.Runtime;
using Matrix.Engine.Runtime.Baselines;
using Matrix.Engine.Scenarios;
using Matrix.Hosting.Cli;
using Matrix.Hosting.Logging;
using Matrix.Mpi.Transport;
using Matrix.Store.Arrow.Write;
using Matrix.Store.Content;
using Microsoft.Extensions.Logging;

namespace Matrix.Hosting.Run;

/// <summary>
/// One rank's run, composed from a <see cref="RunPlan"/>: <see cref="StartAsync"/> opens the LLM client, the rank
/// session, the metrics endpoint, the resume state and the content store, in the order that keeps every user
/// mistake ahead of the first write; <see cref="RunAsync"/> adds the Arrow sink and the engine and runs them.
/// It owns what it opened and closes it in reverse order, also when start-up fails half way.
/// </summary>
internal sealed class RankRun : IAsyncDisposable
{
    /// <summary>Where ranks keep their content stores: inside the output directory, removed after the run.</summary>
    private const string WorkDirectory = ".work";

    private readonly Parts _parts;
    private readonly Stack<IAsyncDisposable> _owned;
    private readonly HostConsole _console;

    private RankRun(Parts parts, Stack<IAsyncDisposable> owned, HostConsole console)
    {
        _parts = parts;
        _owned = owned;
        _console = console;
    }

    public RunPlan Plan => _parts.Plan;

    public ILlmClient Llm => _parts.Llm;

    public LlmCounters LlmCounters => _parts.LlmCounters;

    /// <summary>The LLM pools when the client is a fleet (none for the oracle).</summary>
    public IReadOnlyList<LlmPool> Pools => (Llm as LlmFleet)?.Pools ?? [];

    public RankSession Session => _parts.Session;

    /// <summary>What <c>--resume</c> found in the output directory; null for a new run.</summary>
    public ResumeState? Resume => _parts.Resume;

    /// <summary>The content store, open when messages are offloaded (<c>store.offload_bytes</c> above 0).</summary>
    public FasterContentStore? Store => _parts.Store;

    public DateTimeOffset StartedAt => _parts.StartedAt;

    /// <summary>
    /// Opens this rank's parts for <paramref name="plan"/>. <paramref name="logRank"/> is set to the rank once the
    /// session knows it, so every later log line carries it.
    /// </summary>
    public static async Task<RankRun> StartAsync(RunPlan plan, HostConsole console, ILoggerFactory loggers, LogRank logRank, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(loggers);
        ArgumentNullException.ThrowIfNull(logRank);
        var owned = new Stack<IAsyncDisposable>();
        try
        {
            var parts = await OpenAsync(plan, loggers, logRank, owned, cancellationToken).ConfigureAwait(false);
            return new RankRun(parts, owned, console);
        }
        catch (Exception e)
        {
            if (owned.OfType<RankSession>().FirstOrDefault() is { } session)
            {
                await session.AbortJobOnErrorAsync(e, console).ConfigureAwait(false);
            }

            await CloseAsync(owned).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Runs the engine over this rank's share of the input into the Arrow sink, and returns what this rank tells
    /// rank 0 (<see cref="RunReporter.ReportAsync"/>).
    /// </summary>
    public async Task<RankResult> RunAsync(CancellationToken cancellationToken)
    {
        var outcome = await RunEngineAsync(cancellationToken).ConfigureAwait(false);
        var result = RunReporter.ResultOf(this, outcome);
        _parts.Metrics?.RunEnded();
        return result;
    }

    public ValueTask DisposeAsync() => CloseAsync(_owned);

    private static async Task<Parts> OpenAsync(RunPlan plan, ILoggerFactory loggers, LogRank logRank, Stack<IAsyncDisposable> owned, CancellationToken cancellationToken)
    {
        var (scenario, settings) = (plan.Scenario, plan.Settings);
        var log = loggers.CreateLogger(HostLog.Category);

        // The LLM pools are checked (settings, URL files, API keys, endpoints answering) before anything is written.
        var llmCounters = new LlmCounters();
        var llm = await RunPreflight.CreateLlmAsync(scenario, settings, llmCounters, loggers, cancellationToken).ConfigureAwait(false);
        if (llm is IAsyncDisposable llmLifetime)
        {
            owned.Push(llmLifetime);
        }

        // Every rank has checked the output directory (RunPreflight) before any rank can pass the transport's start barrier and write.
        var session = await RankSession.OpenAsync(settings, loggers, cancellationToken).ConfigureAwait(false);
        owned.Push(session);
        if (plan.Scheduler != SchedulerKind.P2p && session.Size > 1)
        {
            throw new UsageException(Schedulers.OneRankOnly(plan.Scheduler, session.Size));
        }

        if (session.Transport is NetMqPeerTransport transport)
        {
            var security = transport.Secure ? "CurveZMQ + job MAC" : "NOT secured (transport.secure=false)";
            log.Listening(session.Rank, session.Size, Environment.MachineName, transport.LocalEndpoint, security);
        }

        logRank.Value = session.Rank;

        // Live metrics (docs/metrics.md): bound now, so a port in use fails before anything is written.
        var metrics = MetricsEndpoint.Start(settings.GetInt(MetricsSettings.Port), session.Rank, TimeSpan.FromSeconds(settings.GetDouble(MetricsSettings.LingerSeconds)), cancellationToken);
        if (metrics is not null)
        {
            owned.Push(metrics);
        }

        var resume = plan.Resume ? await ResumeState.LoadAsync(plan.OutDir, session, plan.RetryFailed, cancellationToken).ConfigureAwait(false) : null;
        if (resume is not null && session.Rank == 0)
        {
            log.Resuming(plan.OutDir, resume.Done.Count, resume.Retry.RecordsRemoved, resume.Repair.Repaired.Count, resume.Repair.SetAside.Count);
        }

        log.RunStarting(session.Rank, session.Size, scenario.Name, llm.Describe, plan.OutDir);
        if (!plan.Resume && session.Rank == 0)
        {
            await plan.Identity.WriteAsync(plan.OutDir, cancellationToken).ConfigureAwait(false);
        }

        var roles = scenario.Roles.Select(r => r.Name);
        var placement = Placement.FromSettings(settings, roles, session.Size);
        var context = new ScenarioContext(settings, (ulong)settings.GetLong(EngineSettings.Seed), llm);
        var options = EngineOptions.FromSettings(settings, roles) with { AlreadyDone = resume is null ? null : resume.Done.Contains };
        var store = options.OffloadBytes > 0
            ? FasterContentStore.Open(new ContentStoreOptions
            {
                Directory = Path.Combine(plan.OutDir, WorkDirectory, string.Create(CultureInfo.InvariantCulture, $"rank-{session.Rank}")),
                Rank = session.Rank,
                MemoryBytes = settings.GetInt(EngineSettings.StoreMemoryMb) * (1L << 20),
                Logger = loggers.CreateLogger("Matrix.Store"),
            })
            : null;
        if (store is not null)
        {
            owned.Push(store);
        }

        return new Parts(plan, llm, llmCounters, session, metrics, resume, store, context, options, placement, DateTimeOffset.UtcNow);
    }

    private async Task<EngineOutcome> RunEngineAsync(CancellationToken cancellationToken)
    {
        var (scenario, settings) = (Plan.Scenario, Plan.Settings);
        var limit = (long?)settings.Get(EngineSettings.Tasks);
        var sink = new ArrowTaskSinkFactory().Create(new SinkOptions(
            Plan.OutDir,
            Session.Rank,
            scenario.Name,
            scenario.Columns,
            settings.GetInt(EngineSettings.RowsPerBatch),
            settings.GetLong(EngineSettings.RowsPerPart),
            TimeSpan.FromSeconds(settings.GetDouble(EngineSettings.FlushSeconds))));
        await using (sink.ConfigureAwait(false))
        {
            var engine = Schedulers.Create(scenario, _parts.Context, _parts.Options, sink, transport: Session.Transport, placement: _parts.Placement, llm: LlmCounters, contentStore: Store);
            _parts.Metrics?.Observe(new EngineMetrics(Session.Rank, engine, LlmCounters, (Llm as LlmFleet)?.Pools, Session.Transport), Store);
            var rows = InputRows.Shard(InputRows.Limit(scenario.ReadInputAsync(new InputSource(Plan.InputPath, limit), _parts.Context, cancellationToken), limit), Session.Rank, Session.Size);
            var progress = Session.Rank == 0
                ? new ProgressReporter(
                    Session.Size == 1 ? scenario.Name : string.Create(CultureInfo.InvariantCulture, $"{scenario.Name} x{Session.Size} ranks"),
                    engine.JobSnapshot,
                    limit * _parts.Options.Trials - (Resume?.Done.Count ?? 0),
                    _console.Error,
                    _console.ErrorIsTerminal,
                    TimeSpan.FromSeconds(settings.GetDouble(EngineSettings.ProgressInterval)))
                : null;
            RunSummary summary;
            try
            {
                summary = await engine.RunAsync(rows, Session.Size > 1 ? Session.BarrierAsync : null, cancellationToken).ConfigureAwait(false);
            }
            catch (InputException e) when (engine.Counters.Admitted == 0)
            {
                throw new UsageException(e.Message);
            }
            finally
            {
                if (progress is not null)
                {
                    await progress.DisposeAsync().ConfigureAwait(false);
                }
            }

            var decodeErrors = engine.DecodeErrors;
            var content = engine.ContentCounters;
            await sink.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            return new EngineOutcome(summary, sink.Statistics, decodeErrors, content);
        }
    }

    /// <summary>Closes the last opened part first, and every part even when one throws (as nested <c>await using</c> would).</summary>
    private static async ValueTask CloseAsync(Stack<IAsyncDisposable> owned)
    {
        if (owned.TryPop(out var last))
        {
            try
            {
                await last.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                await CloseAsync(owned).ConfigureAwait(false);
            }
        }
    }

    private sealed record Parts(
        RunPlan Plan,
        ILlmClient Llm,
        LlmCounters LlmCounters,
        RankSession Session,
        MetricsEndpoint? Metrics,
        ResumeState? Resume,
        FasterContentStore? Store,
        ScenarioContext Context,
        EngineOptions Options,
        Placement Placement,
        DateTimeOffset StartedAt);
}
