using System.Text.Json;
using Cep.Storage.IO;

namespace Cep.Storage.Topics;

/// <summary>
/// topic.json: what a topic is (partition count, replication factor, config overrides). Its
/// presence is the commit point of a create: partition directories without a manifest are
/// leftovers of an interrupted create. Written to a temporary file, synced and renamed, so it
/// is always whole.
/// </summary>
internal sealed record TopicManifest(string Name, int Partitions, int ReplicationFactor, Dictionary<string, string> Config)
{
    public const string FileName = "topic.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static TopicManifest? TryRead(string topicDirectory)
    {
        string path = Path.Combine(topicDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<TopicManifest>(File.ReadAllText(path), Json)
                ?? throw new StorageException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new StorageException($"{path} is not a valid topic manifest: {e.Message}", e);
        }
    }

    public void Write(string topicDirectory)
    {
        string path = Path.Combine(topicDirectory, FileName);
        DurableFile.Replace(path, JsonSerializer.SerializeToUtf8Bytes(this, Json));
    }
}
