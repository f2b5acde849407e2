namespace Cep.Storage.Log;

/// <summary>
/// What the log remembers of one appended batch of an idempotent producer: the sequence range
/// it covered and the offsets it was given, so a retry of it is acknowledged with those
/// offsets instead of being appended again. <see cref="Timestamp"/> is the batch's max
/// timestamp as stored (the append time on LogAppendTime topics).
/// </summary>
public readonly record struct ProducerBatch(int FirstSequence, int LastSequence, long FirstOffset, long LastOffset, long Timestamp);
