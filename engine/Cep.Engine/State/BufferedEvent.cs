namespace Cep.Engine.State;

/// <summary>An event held in a join buffer; <see cref="Matched"/> records whether it has joined anything yet (for left and outer joins). Owned by the join's task.</summary>
internal struct BufferedEvent<T>(long timestamp, T value, EventOrigin origin, bool matched)
{
    public readonly long Timestamp = timestamp;
    public readonly T Value = value;
    public readonly EventOrigin Origin = origin;
    public bool Matched = matched;
}
