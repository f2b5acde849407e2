using Cep.Broker.Cluster;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;

namespace Cep.Broker.Server;

/// <summary>
/// The controller's APIs on a cluster node's Kafka listener, as KRaft brokers use them:
/// BrokerRegistration (v0) and BrokerHeartbeat (v0) keep a broker registered and unfenced;
/// AlterPartition (v2, topics by id) changes a led partition's ISR. Each is one decision of the
/// active controller; on any other node the answer is NOT_CONTROLLER, and a refusal carries the
/// controller's error code.
/// </summary>
public static class ControllerApisHandler
{
    public static void Register(ApiRegistry registry, ClusterNode cluster)
    {
        registry.Add<BrokerRegistrationRequest>(async (request, _) =>
        {
            var listener = request.Listeners.FirstOrDefault();
            try
            {
                long epoch = await cluster.Controller.RegisterBrokerAsync(request.BrokerId, listener?.Host ?? "", listener?.Port ?? 0, request.IncarnationId, CancellationToken.None).ConfigureAwait(false);
                return new BrokerRegistrationResponse { BrokerEpoch = epoch };
            }
            catch (ControllerException e)
            {
                return new BrokerRegistrationResponse { ErrorCode = (short)e.Code };
            }
        });
        registry.Add<BrokerHeartbeatRequest>(async (request, _) =>
        {
            try
            {
                bool fenced = await cluster.Controller.HeartbeatAsync(request.BrokerId, request.BrokerEpoch, CancellationToken.None).ConfigureAwait(false);
                return new BrokerHeartbeatResponse { IsCaughtUp = true, IsFenced = fenced };
            }
            catch (ControllerException e)
            {
                return new BrokerHeartbeatResponse { ErrorCode = (short)e.Code };
            }
        });
        registry.Add<AlterPartitionRequest>(async (request, _) =>
        {
            var response = new AlterPartitionResponse();
            var image = cluster.Quorum.Image;
            if (!cluster.Quorum.IsLeader)
            {
                response.ErrorCode = (short)ErrorCode.NotController;
                return response;
            }
            if (!image.Brokers.TryGetValue(request.BrokerId, out var broker) || broker.Epoch != request.BrokerEpoch)
            {
                response.ErrorCode = (short)ErrorCode.StaleBrokerEpoch;
                return response;
            }
            foreach (var topic in request.Topics)
            {
                var answer = new AlterPartitionResponse.TopicData { TopicId = topic.TopicId };
                string? name = image.Topics.Values.FirstOrDefault(t => t.Id == topic.TopicId)?.Name;
                foreach (var partition in topic.Partitions)
                {
                    var result = new AlterPartitionResponse.PartitionData { PartitionIndex = partition.PartitionIndex, LeaderId = -1 };
                    try
                    {
                        var state = await cluster.Controller.AlterPartitionAsync(name ?? "", partition.PartitionIndex, request.BrokerId, partition.LeaderEpoch, partition.PartitionEpoch, partition.NewIsr, CancellationToken.None).ConfigureAwait(false);
                        (result.LeaderId, result.LeaderEpoch, result.Isr, result.PartitionEpoch) = (state.Leader, state.LeaderEpoch, state.Isr.ToList(), state.PartitionEpoch);
                    }
                    catch (ControllerException e)
                    {
                        result.ErrorCode = (short)e.Code;
                    }
                    answer.Partitions.Add(result);
                }
                response.Topics.Add(answer);
            }
            return response;
        });
    }
}
