using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Matrix.Engine.Llm;
using Matrix.Engine.Orchestration;
using Matrix.Engine.Output;
using Matrix.Engine.Scenarios;

namespace Matrix.Engine.Runtime.Baselines;

/// <summary>
/// The central baseline (<c>scheduler=central</c>), after the runners Matrix's centralized
/// comparisons ran (one orchestrator coordinating every task; a thread pool of max_concurrency workers): ONE controller loop owns every
/// task's routing. It admits tasks up to the concurrency (calls Begin), hands each step to a fixed pool of
/// <see cref="EngineOptions.CentralWorkers"/> async workers, and every step's result comes back through its
/// one inbox, where it calls the scenario's Next and hands out the next step or sends the task to the sink.
/// </summary>
/// <remarks>
/// The controller is the serialization point, deliberately: its inbox is the one queue every step passes
/// through, and Next never runs concurrently. A reader task feeds it input rows, each only after a permit
/// (released when the sink has taken a task), so the inbox never holds more than concurrency + 1 messages,
/// and no channel can fill up: its writers never wait for long.
/// </remarks>
internal sealed class CentralScheduler : BaselineScheduler
{
    private readonly int _workers;
    private readonly SemaphoreSlim _permits;
    private readonly Channel<Message> _inbox;
    private readonly Channel<Orchestrator> _work;
    private long _loopIterations;
    private long _stepResults;

    public CentralScheduler(Scenario scenario, ScenarioContext context, EngineOptions options, ITaskSink sink, EngineCounters? counters = null, LlmCounters? llm = null)
        : base(scenario, context, options, sink, counters, llm)
    {
        _workers = options.CentralWorkers > 0 ? options.CentralWorkers : options.Concurrency;
        _permits = new SemaphoreSlim(options.Concurrency, options.Concurrency);
        _inbox = Channel.CreateBounded<Message>(new BoundedChannelOptions(options.Concurrency + 1) { SingleReader = true, SingleWriter = false });
        _work = Channel.CreateBounded<Orchestrator>(new BoundedChannelOptions(options.Concurrency) { SingleReader = _workers == 1, SingleWriter = true });
    }

    /// <summary>Messages the controller loop handled: admissions, step results and the end of the input.</summary>
    public long LoopIterations => Interlocked.Read(ref _loopIterations);

    /// <summary>Step results the controller loop routed: one per agent step, i.e. the hops.</summary>
    public long StepResults => Interlocked.Read(ref _stepResults);

    public int Workers => _workers;

    protected override async Task ExecuteAsync(IAsyncEnumerable<InputRow> input, CancellationToken stop)
    {
        var workers = new Task[_workers];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = WorkerAsync();
        }

        var reader = ReadInputAsync(input, stop);
        ExceptionDispatchInfo? inputFailure;
        try
        {
            inputFailure = await ControlAsync().ConfigureAwait(false);
        }
        finally
        {
            _work.Writer.TryComplete();
            await Task.WhenAll(workers).ConfigureAwait(false);
            await reader.ConfigureAwait(false);
        }

        inputFailure?.Throw();
    }

    /// <summary>The controller: the one loop that admits, routes every step and finishes every task. Ends when the input is read and no task is left.</summary>
    private async Task<ExceptionDispatchInfo?> ControlAsync()
    {
        var inFlight = 0;
        var inputOpen = true;
        ExceptionDispatchInfo? inputFailure = null;
        while (inputOpen || inFlight > 0)
        {
            var message = await _inbox.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
            Interlocked.Increment(ref _loopIterations);
            Orchestrator task;
            Route route;
            switch (message.Kind)
            {
                case MessageKind.Admit:
                    (task, route) = Steps.Admit(message.Row!, message.Trial, message.Id!, homeRank: 0);
                    inFlight++;
                    break;
                case MessageKind.StepDone:
                    Interlocked.Increment(ref _stepResults);
                    task = message.Task!;
                    route = message.Failure ?? Steps.Next(message.Role!, task);
                    break;
                default:
                    inputOpen = false;
                    inputFailure = message.InputFailure;
                    continue;
            }

            if (await DispatchAsync(task, route).ConfigureAwait(false))
            {
                inFlight--;
            }
        }

        return inputFailure;
    }

    /// <summary>Hands out the task's next step, or sends it to the sink: returns true when the task left the controller for good.</summary>
    private async ValueTask<bool> DispatchAsync(Orchestrator task, Route route)
    {
        if (!route.IsDone)
        {
            var role = route.NextRole!;
            if (AgentOf(role) is not null)
            {
                task.CurrentRole = role;
                await _work.Writer.WriteAsync(task, CancellationToken.None).ConfigureAwait(false);
                return false;
            }

            route = Steps.UnknownRole(task, role);
        }

        await FinishAsync(task, route, waitForSink: false).ConfigureAwait(false);
        return true;
    }

    /// <summary>One worker of the pool: runs the steps the controller hands out and returns each result to it.</summary>
    private async Task WorkerAsync()
    {
        await Task.Yield();
        await foreach (var task in _work.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            var role = task.CurrentRole!;
            var failure = await Steps.RunAsync(role, AgentOf(role)!, task).ConfigureAwait(false);
            await _inbox.Writer.WriteAsync(new Message(MessageKind.StepDone) { Task = task, Role = role, Failure = failure }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Feeds the controller the input's tasks, each after a permit; always ends with an end-of-input message.</summary>
    private async Task ReadInputAsync(IAsyncEnumerable<InputRow> input, CancellationToken stop)
    {
        await Task.Yield();
        ExceptionDispatchInfo? failure = null;
        try
        {
            await foreach (var (row, trial, id) in Steps.TasksOf(input, stop).ConfigureAwait(false))
            {
                await _permits.WaitAsync(stop).ConfigureAwait(false);
                await _inbox.Writer.WriteAsync(new Message(MessageKind.Admit) { Row = row, Trial = trial, Id = id }, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            OnStoppedEarly();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failure = ExceptionDispatchInfo.Capture(e);
        }

        await _inbox.Writer.WriteAsync(new Message(MessageKind.InputEnd) { InputFailure = failure }, CancellationToken.None).ConfigureAwait(false);
    }

    protected override void OnWritten(Orchestrator task) => _permits.Release();

    private enum MessageKind
    {
        Admit,
        StepDone,
        InputEnd,
    }

    /// <summary>What reaches the controller: a task to admit, a step's result, or the end of the input.</summary>
    private readonly record struct Message(MessageKind Kind)
    {
        public InputRow? Row { get; init; }

        public int Trial { get; init; }

        public string? Id { get; init; }

        public Orchestrator? Task { get; init; }

        public string? Role { get; init; }

        public Route? Failure { get; init; }

        public ExceptionDispatchInfo? InputFailure { get; init; }
    }
}
