using System.Text.Json;

namespace Cep.Query;

/// <summary>
/// The deployed queries, persisted: <c>catalog.json</c> in the data directory, a JSON array of
/// entries rewritten whole (temporary file, then rename) on every change, so a crash leaves the
/// previous or the new catalog, never half of one. A restarted daemon redeploys every entry
/// that is <see cref="Deployed"/>, each resuming from its checkpoint, or from the entry's
/// start position when one is pending (set by a deployment made while no daemon ran).
/// Thread-safe.
/// </summary>
public sealed class QueryCatalog(string path)
{
    /// <summary>The daemon runs the query.</summary>
    public const string Deployed = "deployed";

    /// <summary>The query was stopped by the user: kept (state and all) but not run.</summary>
    public const string Stopped = "stopped";

    private readonly Lock _lock = new();

    /// <summary>
    /// One query: its script, the script's source hash (the query's version), <see cref="Deployed"/>
    /// or <see cref="Stopped"/>, a start position still to apply (text form of
    /// <see cref="StartPosition"/>; null once applied), and when the entry last changed.
    /// </summary>
    public sealed record Entry(string Name, string Path, string Version, string State, string? From, DateTimeOffset Since);

    public IReadOnlyList<Entry> Load()
    {
        lock (_lock)
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<List<Entry>>(File.ReadAllText(path), JsonSerializerOptions.Web) ?? [] : [];
        }
    }

    public Entry? Get(string name) => Load().FirstOrDefault(e => e.Name == name);

    public void Put(Entry entry) => Change(entries =>
    {
        entries.RemoveAll(e => e.Name == entry.Name);
        entries.Add(entry);
    });

    /// <summary>Marks <paramref name="name"/> stopped; false when the catalog does not have it.</summary>
    public bool MarkStopped(string name)
    {
        bool found = false;
        Change(entries =>
        {
            int at = entries.FindIndex(e => e.Name == name);
            if (at >= 0)
            {
                entries[at] = entries[at] with { State = Stopped, Since = DateTimeOffset.UtcNow };
                found = true;
            }
        });
        return found;
    }

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
