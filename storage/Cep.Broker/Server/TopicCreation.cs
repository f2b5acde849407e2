using Cep.Storage.Topics;

namespace Cep.Broker.Server;

/// <summary>Creating a topic from a request: −1 partitions or replication factor means the broker's default (one), as Kafka's num.partitions and default.replication.factor.</summary>
public static class TopicCreation
{
    public const int DefaultPartitions = 1;

    public static TopicDescription Create(TopicStore store, string name, int partitions, short replicationFactor, IEnumerable<KeyValuePair<string, string>> config) =>
        store.CreateTopic(name, partitions == -1 ? DefaultPartitions : partitions, replicationFactor == -1 ? 1 : replicationFactor, config);

    /// <summary>What <see cref="Create"/> would refuse, thrown the same way, without creating (validate-only requests).</summary>
    public static void Validate(TopicStore store, string name, int partitions, short replicationFactor, IEnumerable<KeyValuePair<string, string>> config) =>
        store.ValidateNewTopic(name, partitions == -1 ? DefaultPartitions : partitions, replicationFactor == -1 ? 1 : replicationFactor, config);

    /// <summary>The names given more than once in one request: Kafka refuses every copy of them.</summary>
    public static HashSet<string> Repeated(IEnumerable<string> names) =>
        names.GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
}
