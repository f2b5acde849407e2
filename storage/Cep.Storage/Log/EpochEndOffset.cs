namespace Cep.Storage.Log;

/// <summary>
/// The answer to "where does leader epoch E end in this log" (Kafka's OffsetForLeaderEpoch):
/// <see cref="Epoch"/> is the largest epoch the log has that is ≤ E, and <see cref="EndOffset"/>
/// the first offset written under a later epoch (the log end offset for the latest epoch).
/// A follower truncates to this before it fetches from a new leader. Both are −1 when the log
/// knows no epoch ≤ E… or none after it (<see cref="Undefined"/>).
/// </summary>
public readonly record struct EpochEndOffset(int Epoch, long EndOffset)
{
    public static readonly EpochEndOffset Undefined = new(-1, -1);
}
