namespace Cep.Storage.Records;

/// <summary>A record header: a UTF-8 key and an optional value, as in Kafka.</summary>
public readonly record struct RecordHeader(string Key, byte[]? Value);
