using System.Diagnostics;
using System.Text;
using Cep.Engine.State;
using Cep.Storage.State;
using Microsoft.Extensions.Logging;

namespace Cep.Engine.Runtime;

/// <summary>
/// The checkpointed state of one task: the participants its definition registered (operator
/// stores, inputs, outputs, the task's watermarks), in registration order, which is the same
/// on every run of the same definition, and the RocksDB instance they are written to
/// (<c>&lt;state dir&gt;/&lt;query&gt;/task-&lt;n&gt;</c>). The participants' descriptions are checkpointed
/// too: state written by a different query version is refused, never misread.
/// With a <see cref="Changelog"/>, every checkpoint's changes are also appended to the
/// query's changelog topic, and a restore brings the local state up to it: the task can move
/// to another machine.
/// Owned by one task.
/// </summary>
internal sealed class TaskState(string queryName, int partition, string directory, int keepCheckpoints, Changelog? changelog, ILogger logger) : IDisposable
{
    /// <summary>The column family of the runtime's own positions (offsets, watermarks, sequences) and the signature.</summary>
    public const string TaskStore = "task";

    private static readonly byte[] SignatureKey = Encoding.UTF8.GetBytes("signature");

    private readonly List<ICheckpointed> _participants = [];
    private readonly Dictionary<string, int> _names = [];
    private TaskStateDb? _db;

    public string Directory => directory;

    /// <summary>The checkpoint restored from, or null when the task started from empty state (offset zero).</summary>
    public long? RestoredCheckpoint => _db?.RestoredCheckpoint;

    public long LastCheckpoint => _db?.LastCheckpoint ?? 0;

    /// <summary>A name for a new participant of <paramref name="kind"/>: the kind and its count so far, so the n-th window store of a definition is the same store on every run.</summary>
    public string NextName(string kind)
    {
        int count = _names.GetValueOrDefault(kind);
        _names[kind] = count + 1;
        return $"{kind}-{count}";
    }

    public void Register(ICheckpointed participant) => _participants.Add(participant);

    /// <summary>The changelog the state is written to, if any.</summary>
    public Changelog? Changelog => changelog;

    /// <summary>Opens the task's state for a standby (a warm copy that follows the changelog; the task runs elsewhere): its stores, no change tracking, nothing restored into the participants.</summary>
    public TaskStateDb OpenStandby() => TaskStateDb.Open(directory, StoreNames(), keepCheckpoints);

    /// <summary>Opens the task's state and restores every participant from the newest whole checkpoint (of the changelog, with one), if there is one.</summary>
    public async Task RestoreAsync()
    {
        var started = Stopwatch.GetTimestamp();
        bool ranBefore = System.IO.Directory.Exists(directory);
        _db = TaskStateDb.Open(directory, StoreNames(), keepCheckpoints, trackChanges: changelog is not null);
        foreach (string skipped in _db.SkippedCheckpoints)
        {
            logger.LogWarning("Query {Query} task {Task}: skipped {Checkpoint}; restoring an earlier one", queryName, partition, skipped);
        }
        if (changelog is not null)
        {
            await changelog.RestoreAsync(_db);
        }
        if (_db.RestoredCheckpoint is not null || changelog is not null)
        {
            string expected = Signature();
            string? found = _db.Get(TaskStore, SignatureKey) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;
            if (found != expected && (found is not null || _db.RestoredCheckpoint is not null))
            {
                string source = _db.RestoredCheckpoint is { } restored ? $"checkpoint {restored} in {directory}" : $"the state in changelog {changelog!.Topic}";
                found ??= "(none)";
                throw new IncompatibleStateException(
                    $"query '{queryName}' task {partition}: {source} was written by a different version of the query; " +
                    $"it holds [{found.Replace("\n", "; ", StringComparison.Ordinal)}] but this query has [{expected.Replace("\n", "; ", StringComparison.Ordinal)}]. " +
                    "Deploy it with a start position (from the beginning, an offset, a time or the latest) to start over without that state, or run the query version that wrote it");
            }
        }
        // Also with nothing restored: participants clean up what a run that never checkpointed left (e.g. uncommitted files).
        foreach (var participant in _participants)
        {
            participant.Restore(_db);
        }
        if (_db.RestoredCheckpoint is null && ranBefore)
        {
            logger.LogWarning("Query {Query} task {Task}: no usable checkpoint in {Directory}; starting from the start position of every input (records its outputs already hold are not written again)", queryName, partition, directory);
        }
        logger.LogInformation(
            "Query {Query} task {Task}: running from {Checkpoint} (state opened in {Ms:F0} ms)",
            queryName,
            partition,
            _db.RestoredCheckpoint is { } id ? $"checkpoint {id}" : "the start",
            Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>Writes a checkpoint of every participant (the task must be between iterations, its outputs flushed), its changes to the changelog first; returns its id.</summary>
    public async Task<long> CheckpointAsync()
    {
        var db = _db ?? throw new InvalidOperationException("restore the task state before checkpointing it");
        foreach (var participant in _participants)
        {
            participant.WriteCheckpoint(db);
        }
        db.Put(TaskStore, SignatureKey, Encoding.UTF8.GetBytes(Signature()));
        if (changelog is not null)
        {
            // The changelog first: a crash between the two leaves the local checkpoint behind
            // the changelog, which a restore catches up on; never ahead of it.
            await changelog.AppendAsync(db, db.CommitChanges());
        }
        long id;
        try
        {
            id = db.Checkpoint();
        }
        catch (Cep.Storage.StorageException e)
        {
            throw new IOException($"query '{queryName}' task {partition}: {e.Message}", e);
        }
        foreach (var listener in _participants.OfType<ICheckpointListener>())
        {
            listener.CheckpointCompleted(id);
        }
        return id;
    }

    public void Dispose() => _db?.Dispose();

    private IEnumerable<string> StoreNames() => _participants.Select(p => p.StoreName).Append(TaskStore).Distinct();

    private string Signature() => string.Join('\n', _participants.Select(p => $"{p.StoreName}: {p.Signature}"));
}
