using System.Text.Json;

namespace Cep.Broker.Codegen;

/// <summary>One field of a message schema: its wire type (<c>int32</c>, <c>string</c>, <c>[]Topic</c>, a struct name…), the versions that carry it, nullable and tagged versions, its default, and its own fields when it is a struct. Immutable.</summary>
public sealed record SchemaField(
    string Name,
    string Type,
    VersionRange Versions,
    VersionRange NullableVersions,
    VersionRange TaggedVersions,
    int? Tag,
    string? Default,
    IReadOnlyList<SchemaField> Fields)
{
    public bool IsArray => Type.StartsWith("[]", StringComparison.Ordinal);

    /// <summary>The type of one element for arrays, else the type itself.</summary>
    public string ElementType => IsArray ? Type[2..] : Type;

    public bool IsNullable => !NullableVersions.IsEmpty;

    public static SchemaField Parse(JsonElement json) => new(
        json.GetProperty("name").GetString()!,
        json.GetProperty("type").GetString()!,
        VersionRange.Parse(Text(json, "versions")),
        VersionRange.Parse(Text(json, "nullableVersions")),
        VersionRange.Parse(Text(json, "taggedVersions")),
        json.TryGetProperty("tag", out var tag) ? tag.GetInt32() : null,
        json.TryGetProperty("default", out var value) ? (value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()) : null,
        Children(json));

    public static IReadOnlyList<SchemaField> Children(JsonElement json) =>
        json.TryGetProperty("fields", out var fields) ? fields.EnumerateArray().Select(Parse).ToList() : [];

    private static string? Text(JsonElement json, string name) => json.TryGetProperty(name, out var value) ? value.GetString() : null;
}
