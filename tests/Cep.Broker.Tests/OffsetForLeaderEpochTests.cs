using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Broker.Server;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Broker.Tests;

/// <summary>OffsetForLeaderEpoch through the dispatcher: the current epoch ends at the log end, a newer one is undefined (−1, −1), a client ahead of or behind the partition's epoch is told so, an unknown partition is an error.</summary>
public sealed class OffsetForLeaderEpochTests
{
    [Fact]
    public async Task The_current_epoch_ends_at_the_log_end_and_a_newer_one_is_undefined()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("orders", 1);
        var builder = new RecordBatchBuilder();
        for (int i = 0; i < 3; i++)
        {
            builder.AddWithoutKey(1_700_000_000_000 + i, [(byte)i]);
        }
        await store.GetPartition("orders", 0).AppendAsync(builder.Build());
        await using var groups = new Cep.Broker.Groups.GroupCoordinator(store);
        var dispatcher = new RequestDispatcher(KafkaApis.Create(new BrokerContext(store, new BrokerOptions()), groups));

        var request = new OffsetForLeaderEpochRequest
        {
            Topics =
            [
                new OffsetForLeaderEpochRequest.OffsetForLeaderTopic
                {
                    Topic = "orders",
                    Partitions =
                    [
                        new() { Partition = 0, LeaderEpoch = 0 },
                        new() { Partition = 0, LeaderEpoch = 1 },
                        new() { Partition = 7, LeaderEpoch = 0 },
                        new() { Partition = 0, LeaderEpoch = 0, CurrentLeaderEpoch = 1 },
                        new() { Partition = 0, LeaderEpoch = 0, CurrentLeaderEpoch = 0 },
                    ],
                },
            ],
        };
        var response = await SendAsync(dispatcher, request, version: 3);

        var partitions = Assert.Single(response.Topics).Partitions;
        Assert.Equal(((short)0, 0, 3L), (partitions[0].ErrorCode, partitions[0].LeaderEpoch, partitions[0].EndOffset));
        Assert.Equal(((short)0, -1, -1L), (partitions[1].ErrorCode, partitions[1].LeaderEpoch, partitions[1].EndOffset));
        Assert.Equal((short)ErrorCode.UnknownTopicOrPartition, partitions[2].ErrorCode);
        Assert.Equal(((short)ErrorCode.UnknownLeaderEpoch, -1, -1L), (partitions[3].ErrorCode, partitions[3].LeaderEpoch, partitions[3].EndOffset));
        Assert.Equal(((short)0, 0, 3L), (partitions[4].ErrorCode, partitions[4].LeaderEpoch, partitions[4].EndOffset));
    }

    private static async Task<OffsetForLeaderEpochResponse> SendAsync(RequestDispatcher dispatcher, OffsetForLeaderEpochRequest request, short version)
    {
        var writer = new KafkaWriter();
        writer.WriteInt16(OffsetForLeaderEpochRequest.ApiKey);
        writer.WriteInt16(version);
        writer.WriteInt32(42);
        writer.WriteNullableString("test", flexible: false);
        request.Write(writer, version);

        var frame = await dispatcher.DispatchAsync(writer.Written);
        Assert.NotNull(frame);
        var reader = new KafkaReader(frame.Value);
        Assert.Equal(frame.Value.Length - 4, reader.ReadInt32());
        Assert.Equal(42, reader.ReadInt32());
        var response = new OffsetForLeaderEpochResponse();
        response.Read(ref reader, version);
        Assert.Equal(0, reader.Remaining);
        return response;
    }
}
