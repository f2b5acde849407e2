using System.Text.Json;

namespace Cep.Broker.Cluster;

/// <summary>
/// <c>&lt;data&gt;/node.json</c>: which node a data directory belongs to and its incarnation, a
/// random id made when the directory is first used. A wiped directory gets a new incarnation,
/// which tells the controller that the node's logs are empty, whatever its replicas held.
/// A directory of another node is refused, so two nodes never share one.
/// </summary>
public sealed record NodeIdentity(int NodeId, Guid Incarnation)
{
    private const string FileName = "node.json";

    /// <exception cref="InvalidOperationException">The directory belongs to another node.</exception>
    public static NodeIdentity LoadOrCreate(string dataDirectory, int nodeId)
    {
        string path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            var existing = JsonSerializer.Deserialize<NodeIdentity>(File.ReadAllBytes(path), new JsonSerializerOptions(JsonSerializerDefaults.Web))
                ?? throw new InvalidDataException($"{path} is empty");
            return existing.NodeId == nodeId
                ? existing
                : throw new InvalidOperationException($"{dataDirectory} belongs to node {existing.NodeId} ({path}), not node {nodeId}; give each node its own data directory");
        }
        Directory.CreateDirectory(dataDirectory);
        var identity = new NodeIdentity(nodeId, Guid.NewGuid());
        Cep.Storage.IO.DurableFile.Replace(path, JsonSerializer.SerializeToUtf8Bytes(identity, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        return identity;
    }
}
