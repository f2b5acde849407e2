using Cep.Broker.Protocol;
using Cep.Storage;
using Cep.Storage.Log;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Broker.Server;

/// <summary>The Kafka error code for a storage failure, so a client sees the error its library knows how to handle.</summary>
public static class ErrorCodes
{
    public static short Of(Exception error) => (short)(error switch
    {
        Cluster.ReplicaException replica => replica.Code,
        UnknownTopicException => ErrorCode.UnknownTopicOrPartition,
        OffsetOutOfRangeException => ErrorCode.OffsetOutOfRange,
        CorruptRecordException => ErrorCode.CorruptMessage,
        RecordTooLargeException => ErrorCode.MessageTooLarge,
        InvalidRecordException => ErrorCode.InvalidRecord,
        OutOfOrderSequenceException => ErrorCode.OutOfOrderSequenceNumber,
        InvalidProducerEpochException => ErrorCode.InvalidProducerEpoch,
        InvalidTopicException => ErrorCode.InvalidTopicException,
        TopicExistsException => ErrorCode.TopicAlreadyExists,
        InvalidConfigException => ErrorCode.InvalidConfig,
        _ => ErrorCode.UnknownServerError,
    });

    /// <summary>True for the failures a request about one topic or partition answers with an error code (anything else is a broker fault).</summary>
    public static bool IsClientError(Exception error) => error is StorageException;
}
