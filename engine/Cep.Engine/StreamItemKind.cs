namespace Cep.Engine;

/// <summary>What a <see cref="StreamItem{T}"/> carries.</summary>
public enum StreamItemKind : byte
{
    /// <summary>An event: a value at an event time.</summary>
    Event,

    /// <summary>A watermark W: every event with timestamp ≤ W has been seen; a later one is late.</summary>
    Watermark,

    /// <summary>A checkpoint barrier: state up to here belongs to checkpoint <see cref="StreamItem{T}.Timestamp"/>.</summary>
    Barrier,
}
