namespace Cep.Storage.Records;

/// <summary>
/// The codec of a record batch, as stored in bits 0–2 of the batch attributes.
/// Values are Kafka's, so batches written by any Kafka client decode here.
/// </summary>
public enum CompressionType
{
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}
