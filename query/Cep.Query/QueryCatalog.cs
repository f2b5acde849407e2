using System.Text.Json;

namespace Cep.Query;

/// <summary>
/// The deployed queries, persisted: <c>catalog.json</c> in the data directory, a JSON array of
/// {name, path}, rewritten whole (temporary file, then rename) on every change, so a crash
/// leaves the previous or the new catalog, never half of one. A restarted daemon redeploys
/// every entry; each query resumes from its checkpoint. Thread-safe.
/// </summary>
public sealed class QueryCatalog(string path)
{
    private readonly Lock _lock = new();

    public sealed record Entry(string Name, string Path);

    public IReadOnlyList<Entry> Load()
    {
        lock (_lock)
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<List<Entry>>(File.ReadAllText(path), JsonSerializerOptions.Web) ?? [] : [];
        }
    }

    public void Put(string name, string scriptPath) => Change(entries =>
    {
        entries.RemoveAll(e => e.Name == name);
        entries.Add(new Entry(name, scriptPath));
    });

    public void Remove(string name) => Change(entries => entries.RemoveAll(e => e.Name == name));

    private void Change(Action<List<Entry>> change)
    {
        lock (_lock)
        {
            var entries = Load().ToList();
            change(entries);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
            string temporary = path + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(entries.OrderBy(e => e.Name, StringComparer.Ordinal), JsonSerializerOptions.Web));
            File.Move(temporary, path, overwrite: true);
        }
    }
}
