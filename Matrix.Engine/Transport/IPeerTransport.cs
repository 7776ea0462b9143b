using Matrix.Engine.Orchestration;

namespace Matrix.Engine.Transport;

/// <summary>
/// Hands orchestrators to agents on other ranks. One rank without a launcher needs none; Matrix.Mpi
/// implements it over NetMQ with MPI rank discovery. Received orchestrators are delivered to the
/// handler given to <see cref="StartAsync"/>, which posts them into the target role's block.
/// </summary>
public interface IPeerTransport : IAsyncDisposable
{
    /// <summary>This process's rank.</summary>
    int Rank { get; }

    /// <summary>How many ranks the job has.</summary>
    int Size { get; }

    /// <summary>Starts receiving; <paramref name="deliver"/> gets each orchestrator and the role it is addressed to.</summary>
    Task StartAsync(Func<string, Orchestrator, CancellationToken, ValueTask> deliver, CancellationToken cancellationToken = default);

    /// <summary>Sends <paramref name="task"/> to <paramref name="role"/> on <paramref name="rank"/>; completes when the transport has room (backpressure).</summary>
    ValueTask SendAsync(int rank, string role, Orchestrator task, CancellationToken cancellationToken = default);
}
