using System.Text.Json;

namespace Cep.Broker.Codegen;

/// <summary>A request or response message as a schema file defines it (Kafka's message definition format). Immutable.</summary>
public sealed record MessageSchema(
    string Name,
    short ApiKey,
    bool IsRequest,
    VersionRange ValidVersions,
    VersionRange FlexibleVersions,
    IReadOnlyList<SchemaField> Fields,
    IReadOnlyList<SchemaField> CommonStructs)
{
    public static MessageSchema Parse(string json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = document.RootElement;
        return new MessageSchema(
            root.GetProperty("name").GetString()!,
            root.GetProperty("apiKey").GetInt16(),
            root.GetProperty("type").GetString() == "request",
            VersionRange.Parse(root.GetProperty("validVersions").GetString()),
            VersionRange.Parse(root.TryGetProperty("flexibleVersions", out var flexible) ? flexible.GetString() : "none"),
            SchemaField.Children(root),
            root.TryGetProperty("commonStructs", out var common) ? common.EnumerateArray().Select(SchemaField.Parse).ToList() : []);
    }
}
