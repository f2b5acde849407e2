namespace Cep.Storage.Log;

/// <summary>Where an append landed: the offsets it was given and, for LogAppendTime topics, the time stamped on it (else −1).</summary>
public readonly record struct AppendResult(long FirstOffset, long LastOffset, long LogAppendTime, int RecordCount);
