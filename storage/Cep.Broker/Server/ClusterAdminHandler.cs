using Cep.Broker.Cluster;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;

namespace Cep.Broker.Server;

/// <summary>
/// CreateTopics (v0–4), DeleteTopics (v0–3) and CreatePartitions (v0–1) on a cluster node:
/// decided by the active controller (replicas placed over the live brokers, the requested
/// replication factor honoured). Another node forwards the request to the active controller and
/// relays its answer (as Kafka brokers forward since KIP-590); with no active controller known,
/// each topic is answered NOT_CONTROLLER and the client tries again. An explicit replica
/// assignment is not supported yet (INVALID_REQUEST). ValidateOnly runs every check and changes nothing.
/// </summary>
public static class ClusterAdminHandler
{
    public static void Register(ApiRegistry registry, ClusterNode cluster)
    {
        registry.Add<CreateTopicsRequest>(async (request, header) =>
        {
            if (await ForwardAsync<CreateTopicsRequest, CreateTopicsResponse>(cluster, request, header.ApiVersion) is { } forwarded)
            {
                return forwarded;
            }
            var duplicates = TopicCreation.Repeated(request.Topics.Select(t => t.Name));
            var response = new CreateTopicsResponse();
            foreach (var topic in request.Topics)
            {
                var (code, message) = duplicates.Contains(topic.Name)
                    ? (ErrorCode.InvalidRequest, $"topic '{topic.Name}' appears more than once in the request")
                    : topic.Assignments.Count > 0
                        ? (ErrorCode.InvalidRequest, $"topic '{topic.Name}': explicit replica assignments are not supported; give partitions and a replication factor")
                        : await DecideAsync(() => cluster.Controller.CreateTopicAsync(topic.Name, topic.NumPartitions, topic.ReplicationFactor,
                            topic.Configs.Where(c => c.Value is not null).ToDictionary(c => c.Name, c => c.Value!, StringComparer.Ordinal), request.ValidateOnly, CancellationToken.None)).ConfigureAwait(false);
                response.Topics.Add(new CreateTopicsResponse.CreatableTopicResult { Name = topic.Name, ErrorCode = (short)code, ErrorMessage = message });
            }
            return response;
        });
        registry.Add<DeleteTopicsRequest>(async (request, header) =>
        {
            if (await ForwardAsync<DeleteTopicsRequest, DeleteTopicsResponse>(cluster, request, header.ApiVersion) is { } forwarded)
            {
                return forwarded;
            }
            var response = new DeleteTopicsResponse();
            foreach (string name in request.TopicNames)
            {
                var (code, _) = await DecideAsync(() => cluster.Controller.DeleteTopicAsync(name, CancellationToken.None)).ConfigureAwait(false);
                response.Responses.Add(new DeleteTopicsResponse.DeletableTopicResult { Name = name, ErrorCode = (short)code });
            }
            return response;
        });
        registry.Add<CreatePartitionsRequest>(async (request, header) =>
        {
            if (await ForwardAsync<CreatePartitionsRequest, CreatePartitionsResponse>(cluster, request, header.ApiVersion) is { } forwarded)
            {
                return forwarded;
            }
            var duplicates = TopicCreation.Repeated(request.Topics.Select(t => t.Name));
            var response = new CreatePartitionsResponse();
            foreach (var topic in request.Topics)
            {
                var (code, message) = duplicates.Contains(topic.Name)
                    ? (ErrorCode.InvalidRequest, $"topic '{topic.Name}' appears more than once in the request")
                    : topic.Assignments is { Count: > 0 }
                        ? (ErrorCode.InvalidReplicaAssignment, $"topic '{topic.Name}': explicit replica assignments are not supported")
                        : await DecideAsync(() => cluster.Controller.CreatePartitionsAsync(topic.Name, topic.Count, request.ValidateOnly, CancellationToken.None)).ConfigureAwait(false);
                response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = topic.Name, ErrorCode = (short)code, ErrorMessage = message });
            }
            return response;
        });
    }

    /// <summary>The active controller's answer when another node is it; null when this node should decide (it leads, or none is known).</summary>
    private static async Task<TResponse?> ForwardAsync<TRequest, TResponse>(ClusterNode cluster, TRequest request, short version)
        where TRequest : IKafkaMessage
        where TResponse : class, IKafkaMessage, new()
    {
        if (cluster.Quorum.IsLeader || cluster.Quorum.LeaderId is not { } leader || leader == cluster.NodeId)
        {
            return null;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return await cluster.ControllerClient.SendAsync<TRequest, TResponse>(request, version, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ControllerException or IOException or OperationCanceledException)
        {
            return null; // decided here: NOT_CONTROLLER, and the client tries again
        }
    }

    private static async Task<(ErrorCode Code, string? Message)> DecideAsync(Func<Task> decide)
    {
        try
        {
            await decide().ConfigureAwait(false);
            return (ErrorCode.None, null);
        }
        catch (ControllerException e)
        {
            return (e.Code, e.Message);
        }
    }
}
