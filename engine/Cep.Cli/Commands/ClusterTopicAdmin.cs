using Cep.Broker.Cluster;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Storage;

namespace Cep.Cli.Commands;

/// <summary>
/// The admin API's topic changes on a cluster node: asked of the active controller over the
/// Kafka protocol (CreateTopics, CreatePartitions, DeleteTopics), then awaited until this node's
/// metadata shows them, so the answer describes the topic as it now is. A refusal is a
/// <see cref="StorageException"/> with the controller's reason, answered like the store's own.
/// Config changes are decided only on the active controller's own node.
/// </summary>
internal sealed class ClusterTopicAdmin(ClusterNode node)
{
    public async Task CreateAsync(string name, int partitions, int replicationFactor, IReadOnlyDictionary<string, string> config)
    {
        var response = await node.ControllerClient.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(new CreateTopicsRequest
        {
            Topics = [new CreateTopicsRequest.CreatableTopic
            {
                Name = name,
                NumPartitions = partitions,
                ReplicationFactor = (short)replicationFactor,
                Configs = config.Select(c => new CreateTopicsRequest.CreateableTopicConfig { Name = c.Key, Value = c.Value }).ToList(),
            }],
        }, 4, CancellationToken.None);
        Check(response.Topics[0].ErrorCode, response.Topics[0].ErrorMessage);
        await SeenAsync(image => image.Topics.ContainsKey(name));
    }

    public async Task AddPartitionsAsync(string name, int count)
    {
        var response = await node.ControllerClient.SendAsync<CreatePartitionsRequest, CreatePartitionsResponse>(new CreatePartitionsRequest
        {
            Topics = [new CreatePartitionsRequest.CreatePartitionsTopic { Name = name, Count = count }],
            TimeoutMs = 10_000,
        }, 1, CancellationToken.None);
        Check(response.Results[0].ErrorCode, response.Results[0].ErrorMessage);
        await SeenAsync(image => image.Topics.TryGetValue(name, out var topic) && topic.Partitions.Length >= count);
    }

    public async Task AlterConfigAsync(string name, IReadOnlyDictionary<string, string> config)
    {
        try
        {
            await node.Controller.AlterConfigsAsync(name, config.ToDictionary(c => c.Key, c => (string?)c.Value), CancellationToken.None);
        }
        catch (ControllerException e)
        {
            throw new StorageException(e.Code == ErrorCode.NotController ? $"{e.Message}: change configs through that node's admin API" : e.Message);
        }
        await SeenAsync(image => image.Topics.TryGetValue(name, out var topic) && config.All(c => topic.Configs.GetValueOrDefault(c.Key) == c.Value));
    }

    public async Task DeleteAsync(string name)
    {
        var response = await node.ControllerClient.SendAsync<DeleteTopicsRequest, DeleteTopicsResponse>(new DeleteTopicsRequest { TopicNames = [name], TimeoutMs = 10_000 }, 3, CancellationToken.None);
        Check(response.Responses[0].ErrorCode, null);
        await SeenAsync(image => !image.Topics.ContainsKey(name));
    }

    /// <summary>Whether the cluster has the topic (the local store may also hold internal ones of its own).</summary>
    public bool Knows(string topic) => node.Replicas.Image.Topics.ContainsKey(topic);

    /// <summary>A topic as the admin API shows it: this node's replicas' offsets, the cluster's replication factor.</summary>
    public TopicView View(Cep.Storage.Topics.TopicDescription local) =>
        TopicView.Of(local) with
        {
            ReplicationFactor = node.Replicas.Image.Topics.TryGetValue(local.Name, out var topic) && topic.Partitions.Length > 0 ? topic.Partitions[0].Replicas.Count : local.ReplicationFactor,
        };

    private static void Check(short code, string? message)
    {
        if (code == (short)ErrorCode.UnknownTopicOrPartition)
        {
            throw new Cep.Storage.Topics.UnknownTopicException(message ?? "no such topic");
        }
        if (code != 0)
        {
            throw new StorageException(message ?? $"the controller refused: {(ErrorCode)code}");
        }
    }

    /// <summary>Waits (up to 10 s) until this node has applied metadata in which <paramref name="done"/> holds.</summary>
    private async Task SeenAsync(Func<ClusterImage, bool> done)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!done(node.Replicas.Image))
        {
            await Task.Delay(20, limit.Token);
        }
    }
}
