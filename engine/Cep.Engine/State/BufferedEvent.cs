namespace Cep.Engine.State;

/// <summary>
/// An event held in a join buffer; <see cref="Matched"/> records whether it has joined anything
/// yet (for left and outer joins), <see cref="Sequence"/> its arrival number in the join, which
/// breaks ties between events that expire at the same time (so it is checkpointed with it).
/// Owned by the join's task.
/// </summary>
internal struct BufferedEvent<T>(long timestamp, T value, EventOrigin origin, bool matched, long sequence)
{
    public readonly long Timestamp = timestamp;
    public readonly T Value = value;
    public readonly EventOrigin Origin = origin;
    public readonly long Sequence = sequence;
    public bool Matched = matched;
}
