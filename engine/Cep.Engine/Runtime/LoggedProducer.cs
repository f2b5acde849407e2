namespace Cep.Engine.Runtime;

/// <summary>What a partition knows of an idempotent producer: its epoch and the sequence number (0 … int.MaxValue, wrapping as Kafka's do) of the last record it appended.</summary>
public readonly record struct LoggedProducer(short Epoch, int LastSequence);
