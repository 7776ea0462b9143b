using Matrix.Engine.Output;
using Matrix.Engine.Runtime;

namespace Matrix.Hosting.Run;

/// <summary>What one rank's engine and sink report once the run is over, read before they are gone.</summary>
internal sealed record EngineOutcome(
    RunSummary Summary,
    SinkStatistics Output,
    long DecodeErrors,
    (long OffloadedBytes, long LocalFetches, long RemoteFetches) Content);
