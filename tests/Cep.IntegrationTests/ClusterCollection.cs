namespace Cep.IntegrationTests;

/// <summary>The cluster tests run three daemons and Kafka clients each, on 2 cores: alone, so that no other test's processes slow their failovers (nor theirs the others').</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    public const string Name = "cluster";
}
