namespace Cep.Engine.Runtime;

/// <summary>A record of an input could not be read as the query's type; names topic/partition/offset.</summary>
public sealed class InputRecordException(EventOrigin origin, Exception inner)
    : Exception($"cannot read the record at {origin}: {inner.Message}", inner)
{
    public EventOrigin Origin { get; } = origin;
}
