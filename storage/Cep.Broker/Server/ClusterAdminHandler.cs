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
/// A change (or a topic that already exists) is answered once this node's own metadata shows it (within the request's timeout),
/// so a client that then asks this node about the topic finds it as it now is.
/// </summary>
public static class ClusterAdminHandler
{
    public static void Register(ApiRegistry registry, ClusterNode cluster)
    {
        registry.Add<CreateTopicsRequest>(async (request, header) =>
        {
            if (await ForwardAsync<CreateTopicsRequest, CreateTopicsResponse>(cluster, request, header.ApiVersion) is { } forwarded)
            {
                await SeenAsync(cluster, request.TimeoutMs, image => forwarded.Topics.Where(t => t.ErrorCode is 0 or (short)ErrorCode.TopicAlreadyExists).All(t => image.Topics.ContainsKey(t.Name))).ConfigureAwait(false);
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
            if (!request.ValidateOnly)
            {
                await SeenAsync(cluster, request.TimeoutMs, image => response.Topics.Where(t => t.ErrorCode is 0 or (short)ErrorCode.TopicAlreadyExists).All(t => image.Topics.ContainsKey(t.Name))).ConfigureAwait(false);
            }
            return response;
        });
        registry.Add<DeleteTopicsRequest>(async (request, header) =>
        {
            if (await ForwardAsync<DeleteTopicsRequest, DeleteTopicsResponse>(cluster, request, header.ApiVersion) is { } forwarded)
            {
                await SeenAsync(cluster, request.TimeoutMs, image => forwarded.Responses.Where(t => t.ErrorCode == 0).All(t => !image.Topics.ContainsKey(t.Name))).ConfigureAwait(false);
                return forwarded;
            }
            var response = new DeleteTopicsResponse();
            foreach (string name in request.TopicNames)
            {
                var (code, _) = await DecideAsync(() => cluster.Controller.DeleteTopicAsync(name, CancellationToken.None)).ConfigureAwait(false);
                response.Responses.Add(new DeleteTopicsResponse.DeletableTopicResult { Name = name, ErrorCode = (short)code });
            }
            await SeenAsync(cluster, request.TimeoutMs, image => response.Responses.Where(t => t.ErrorCode == 0).All(t => !image.Topics.ContainsKey(t.Name))).ConfigureAwait(false);
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

    /// <summary>
    /// The active controller's answer when another node is it; null when this node should decide
    /// (it leads, or no leader is known within a few seconds: it answers NOT_CONTROLLER). While
    /// the controller moves (an election, a leader that has not registered yet) it asks again.
    /// </summary>
    private static async Task<TResponse?> ForwardAsync<TRequest, TResponse>(ClusterNode cluster, TRequest request, short version)
        where TRequest : IKafkaMessage
        where TResponse : class, IKafkaMessage, new()
    {
        var deadline = Environment.TickCount64 + 5_000;
        while (true)
        {
            if (cluster.Quorum.IsLeader)
            {
                return null;
            }
            if (cluster.Quorum.LeaderId is { } leader && leader != cluster.NodeId)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    return await cluster.ControllerClient.SendAsync<TRequest, TResponse>(request, version, timeout.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is ControllerException or IOException or OperationCanceledException && Environment.TickCount64 < deadline)
                {
                    // The controller moved or is not reachable yet: ask the quorum again.
                }
            }
            if (Environment.TickCount64 >= deadline)
            {
                return null;
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until this node's metadata satisfies <paramref name="done"/>, at most the request's timeout (and 10 s); answering earlier is still right, only less convenient.</summary>
    private static async Task SeenAsync(ClusterNode cluster, int timeoutMs, Func<ClusterImage, bool> done)
    {
        var deadline = Environment.TickCount64 + Math.Clamp(timeoutMs, 0, 10_000);
        while (!done(cluster.Replicas.Image) && Environment.TickCount64 < deadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
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
