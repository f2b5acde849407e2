using Cep.Storage.Topics;

namespace Cep.Cli.Commands;

/// <summary>A topic as the admin API sends it and the verbs print it: partitions (offsets, sizes, segments) and config.</summary>
internal sealed record TopicView(string Name, int ReplicationFactor, IReadOnlyDictionary<string, string> Config, IReadOnlyList<PartitionDescription> Partitions)
{
    public static TopicView Of(TopicDescription topic) => new(topic.Name, topic.ReplicationFactor, topic.Config.ToDictionary(), topic.Partitions);
}
