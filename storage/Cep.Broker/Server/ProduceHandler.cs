using System.Runtime.InteropServices;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Storage.Log;

namespace Cep.Broker.Server;

/// <summary>
/// Produce: each partition's record set is validated (framing, CRC, sizes, an idempotent
/// producer's epoch and sequence) and appended as it came, compressed or not; the log assigns
/// offsets in the batches' headers, outside the CRC. Every partition's append starts before
/// the first await, in request order, so pipelined requests keep their order. acks=0 gets no
/// response; acks=1 and acks=all wait for the topic's flush policy. In a cluster only the
/// partition's leader appends, and acks=all also waits until every in-sync replica has the
/// records (see <see cref="Cluster.PartitionReplica.AppendAsync"/>).
/// A retried idempotent batch is answered with its original offset.
/// </summary>
public static class ProduceHandler
{
    public static void Register(ApiRegistry registry, BrokerContext broker) =>
        registry.Add<ProduceRequest>((request, header) => AnswerAsync(broker, request));

    private static async Task<IKafkaMessage?> AnswerAsync(BrokerContext broker, ProduceRequest request)
    {
        if (request.Acks is not (0 or 1 or -1))
        {
            return Refuse(request, ErrorCode.InvalidRequiredAcks);
        }
        var appends = new List<(string Topic, int Partition, Task<AppendResult> Append)>();
        foreach (var topic in request.TopicData)
        {
            foreach (var partition in topic.PartitionData)
            {
                appends.Add((topic.Name, partition.Index, Append(broker, topic.Name, partition, request)));
            }
        }
        var response = new ProduceResponse();
        foreach (var (topic, partition, append) in appends)
        {
            var answer = new ProduceResponse.PartitionProduceResponse { Index = partition, BaseOffset = -1 };
            try
            {
                var result = await append.ConfigureAwait(false);
                answer.BaseOffset = result.FirstOffset;
                answer.LogAppendTimeMs = result.LogAppendTime;
                answer.LogStartOffset = broker.Store.GetPartition(topic, partition).LogStartOffset;
            }
            catch (Exception e) when (ErrorCodes.IsClientError(e))
            {
                answer.ErrorCode = ErrorCodes.Of(e);
                answer.ErrorMessage = e.Message;
            }
            Responses(response, topic).PartitionResponses.Add(answer);
        }
        return request.Acks == 0 ? null : response;
    }

    private static Task<AppendResult> Append(BrokerContext broker, string topic, ProduceRequest.PartitionProduceData partition, ProduceRequest request)
    {
        try
        {
            if (partition.Records is not { Length: > 0 } records)
            {
                throw new Cep.Storage.Records.CorruptRecordException($"{topic}/{partition.Index}: an empty record set");
            }
            // The request's buffer is ours alone: the log writes the assigned offsets into it.
            if (broker.Cluster is { } cluster)
            {
                var timeout = TimeSpan.FromMilliseconds(Math.Clamp(request.TimeoutMs, 1, (int)cluster.Replicas.Options.AckTimeout.TotalMilliseconds));
                return cluster.Replicas.Leader(topic, partition.Index).AppendAsync(MemoryMarshal.AsMemory(records), request.Acks, timeout);
            }
            return broker.Store.GetPartition(topic, partition.Index).AppendAsync(MemoryMarshal.AsMemory(records)).AsTask();
        }
        catch (Exception e) when (ErrorCodes.IsClientError(e))
        {
            return Task.FromException<AppendResult>(e);
        }
    }

    private static ProduceResponse.TopicProduceResponse Responses(ProduceResponse response, string topic)
    {
        if (response.Responses.Count > 0 && response.Responses[^1].Name == topic)
        {
            return response.Responses[^1];
        }
        var added = new ProduceResponse.TopicProduceResponse { Name = topic };
        response.Responses.Add(added);
        return added;
    }

    private static ProduceResponse Refuse(ProduceRequest request, ErrorCode error) => new()
    {
        Responses = request.TopicData.Select(t => new ProduceResponse.TopicProduceResponse
        {
            Name = t.Name,
            PartitionResponses = t.PartitionData.Select(p => new ProduceResponse.PartitionProduceResponse { Index = p.Index, ErrorCode = (short)error, BaseOffset = -1 }).ToList(),
        }).ToList(),
    };
}
