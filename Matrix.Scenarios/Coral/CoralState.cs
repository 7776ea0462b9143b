using MemoryPack;

namespace Matrix.Scenarios.Coral;

/// <summary>Where a coral task is in its cycle speaker → extractor → matcher.</summary>
internal enum CoralPhase : byte
{
    /// <summary>The teacher or the student is answering.</summary>
    Speaking,

    /// <summary>The extractor is pulling the letter out of the last reply.</summary>
    Extracting,

    /// <summary>The matcher is checking agreement.</summary>
    Matching,
}

/// <summary>
/// A coral task's own state: the answers extracted so far, kept here so that the matcher and the
/// routing never re-read the history. Only one agent touches a task at a time, so it needs no locking.
/// </summary>
[MemoryPackable]
internal sealed partial class CoralState
{
    /// <summary>The step the task was last routed to.</summary>
    public CoralPhase Phase { get; set; }

    /// <summary>Teacher and student replies so far, not counting the opening message.</summary>
    public int Turns { get; set; }

    /// <summary>The letter the extractor pulled out of the last reply, if valid, until the matcher takes it.</summary>
    public char? Extracted { get; set; }

    /// <summary>The teacher's latest valid answer.</summary>
    public char? TeacherAnswer { get; set; }

    /// <summary>The student's latest valid answer.</summary>
    public char? StudentAnswer { get; set; }

    /// <summary>How many times the matcher ran.</summary>
    public int MatcherSteps { get; set; }

    public bool Agreement { get; set; }

    public bool AgreementCorrectness { get; set; }

    /// <summary>Matrix's <c>rated_turns</c>: matcher steps plus one (the opening message).</summary>
    [MemoryPackIgnore]
    public int RatedTurns => MatcherSteps + 1;

    /// <summary>Who speaks next: the teacher answers the opening, then they alternate.</summary>
    [MemoryPackIgnore]
    public string NextSpeaker => Turns % 2 == 0 ? CoralScenario.Teacher : CoralScenario.Student;

    /// <summary>Who gave the last reply; null before the first.</summary>
    [MemoryPackIgnore]
    public string? LastSpeaker => Turns == 0 ? null : Turns % 2 == 1 ? CoralScenario.Teacher : CoralScenario.Student;
}
