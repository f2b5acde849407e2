namespace Cep.Query;

/// <summary>A deployment named a query that exists from another script: refused unless asked to replace it (its state would be taken over).</summary>
public sealed class QueryExistsException(string name, string existingPath, string newPath)
    : Exception($"query '{name}' already exists, deployed from {existingPath}; deploy {newPath} under another name (--name), or with --replace to replace it")
{
    public string Name { get; } = name;
}
