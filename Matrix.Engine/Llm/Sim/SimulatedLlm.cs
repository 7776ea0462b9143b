namespace Matrix.Engine.Llm.Sim;

/// <summary>
/// The built-in simulated LLM. Its answers (<see cref="Answer"/>) are a pure function of the request's seed,
/// messages, max tokens and tools, so a run is reproducible and the sim-server serves the very same answers.
/// Its timing models a continuous-batching fleet (<see cref="SimFleetOptions"/>): a task's calls go to one
/// replica (sticky by task id), wait for a free slot, then take prefill + completion tokens x decode step,
/// where the step grows with the batch at admission. Time comes from an injected <see cref="TimeProvider"/>.
/// </summary>
public sealed class SimulatedLlm : ILlmClient
{
    /// <summary>Decorrelates the replica choice from the HTTP client's URL choice (both hash the task id).</summary>
    private const ulong ReplicaSalt = 0x5EED_0F_F1EE7UL;

    /// <summary>
    /// The engine's own responders, tried after a scenario's: JSON that follows a requested schema, a choice in the form
    /// a prompt asks for (Yes/No, a letter, a number in a range), else prose.
    /// </summary>
    private static readonly ISimResponder[] Generic = [new SchemaResponder(), new ChoiceResponder(), new FallbackResponder()];

    private readonly LlmCounters _counters;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim[] _slots;
    private readonly int[] _running;
    private readonly ISimResponder[] _responders;

    /// <summary>
    /// A simulated fleet that answers with <paramref name="responders"/> (a scenario's <see cref="Scenarios.Scenario.SimResponders"/>,
    /// tried in order) and then the engine's generic ones.
    /// </summary>
    public SimulatedLlm(SimFleetOptions options, LlmCounters counters, TimeProvider? time = null, IReadOnlyList<ISimResponder>? responders = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Replicas, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SlotsPerReplica, 1, nameof(options));
        Options = options;
        _counters = counters ?? throw new ArgumentNullException(nameof(counters));
        _time = time ?? TimeProvider.System;
        _responders = WithGeneric(responders);
        if (options.ZeroLatency)
        {
            _slots = [];
            _running = [];
        }
        else
        {
            _slots = new SemaphoreSlim[options.Replicas];
            for (var i = 0; i < _slots.Length; i++)
            {
                _slots[i] = new SemaphoreSlim(options.SlotsPerReplica, options.SlotsPerReplica);
            }

            _running = new int[options.Replicas];
        }
    }

    /// <summary>The model name the simulated LLM answers as when the request names none.</summary>
    public const string Name = "sim";

    public SimFleetOptions Options { get; }

    public string Describe => Name;

    /// <summary>Sequences being decoded right now, over all replicas.</summary>
    public int Running
    {
        get
        {
            var total = 0;
            for (var i = 0; i < _running.Length; i++)
            {
                total += Volatile.Read(ref _running[i]);
            }

            return total;
        }
    }

    /// <summary>The replica that serves <paramref name="taskId"/> (stable across runs and processes).</summary>
    public int ReplicaOf(string taskId) => StableHash.Bucket(taskId, ReplicaSalt, Options.Replicas);

    public Task<LlmResponse> CompleteAsync(LlmRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<LlmResponse>(cancellationToken);
        }

        _counters.OnRequest();
        var response = Respond(request, _responders, Options.Model);
        if (Options.ZeroLatency)
        {
            _counters.OnUsage(response.PromptTokens, response.CompletionTokens);
            return Task.FromResult(response);
        }

        return ServeAsync(request.TaskId, response, cancellationToken);
    }

    /// <summary>
    /// The answer to <paramref name="request"/> from <paramref name="responders"/> (tried in order, then the engine's generic
    /// ones): the same request always gives the same response (content, tool calls, finish reason, token counts, model),
    /// in-process and through the sim-server. The response format and extra body of the request change nothing: a
    /// responder already answers in the shape its scenario's schemas describe. The model is the request's, else
    /// <paramref name="defaultModel"/>.
    /// </summary>
    public static LlmResponse Answer(LlmRequest request, IReadOnlyList<ISimResponder>? responders = null, string defaultModel = Name) =>
        Respond(request, WithGeneric(responders), defaultModel);

    private static ISimResponder[] WithGeneric(IReadOnlyList<ISimResponder>? responders) =>
        responders is null or { Count: 0 } ? Generic : [.. responders, .. Generic];

    private static LlmResponse Respond(LlmRequest request, ISimResponder[] responders, string defaultModel)
    {
        ArgumentNullException.ThrowIfNull(request);
        var rng = new SimRandom(SeedOf(request));
        var answer = default(SimAnswer);
        foreach (var responder in responders)
        {
            if (responder.Matches(request))
            {
                answer = responder.Answer(request, ref rng);
                break;
            }
        }

        var toolCalls = answer.ToolCalls ?? LlmResponse.NoToolCalls;
        return new LlmResponse(
            answer.Content,
            toolCalls,
            answer.FinishReason ?? SimAnswer.Stop,
            SimTokens.Prompt(request),
            SimTokens.Completion(answer.Content, toolCalls))
        {
            Model = request.Model ?? defaultModel,
        };
    }

    /// <summary>The random stream's seed: the request seed mixed with the last message and the conversation length.</summary>
    private static ulong SeedOf(LlmRequest request)
    {
        var messages = request.Messages;
        var last = messages.Count > 0 ? messages[^1] : null;
        var content = StableHash.Of(last?.Content);
        content = StableHash.Of(last?.Role, content);
        return StableHash.Mix((ulong)request.Seed ^ StableHash.Mix(content + (ulong)messages.Count));
    }

    private async Task<LlmResponse> ServeAsync(string taskId, LlmResponse response, CancellationToken cancellationToken)
    {
        var replica = ReplicaOf(taskId);
        var slots = _slots[replica];
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var batch = Interlocked.Increment(ref _running[replica]);
            try
            {
                // Timers count whole milliseconds (Task.Delay truncates): round, so the error averages out.
                var delay = Math.Round(Options.ServiceTime(response.PromptTokens, response.CompletionTokens, batch).TotalMilliseconds);
                await Task.Delay(TimeSpan.FromMilliseconds(delay), _time, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _running[replica]);
            }
        }
        finally
        {
            slots.Release();
        }

        _counters.OnUsage(response.PromptTokens, response.CompletionTokens);
        return response;
    }
}
