namespace Cep.Engine.Windows;

/// <summary>A time window [Start, End) in milliseconds since the Unix epoch.</summary>
public readonly record struct Window(long Start, long End)
{
    /// <summary>The last timestamp inside the window: the event time of its results.</summary>
    public long MaxTimestamp => End - 1;

    public override string ToString() => $"[{Start}, {End})";
}
