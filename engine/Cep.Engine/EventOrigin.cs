namespace Cep.Engine;

/// <summary>Where an event came from in the log (topic, partition, offset), for error messages and dead letters; default when it did not come from the log.</summary>
public readonly record struct EventOrigin(string? Topic, int Partition, long Offset)
{
    public bool IsKnown => Topic is not null;

    public override string ToString() => IsKnown ? $"{Topic}/{Partition} offset {Offset}" : "(not from the log)";
}
