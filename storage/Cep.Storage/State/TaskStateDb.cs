using System.Globalization;
using Cep.Storage.IO;
using RocksDbSharp;

namespace Cep.Storage.State;

/// <summary>
/// The state of one task: one RocksDB instance with a column family per store, and its
/// checkpoints. Layout under the task's directory:
/// <code>
///   db/                  the live database (opened from the restored checkpoint)
///   checkpoints/&lt;id&gt;/    a RocksDB checkpoint (table files hard-linked) + CHECKPOINT manifest
///   checkpoints/&lt;id&gt;.tmp/ a checkpoint being written (removed on open)
/// </code>
/// Writes are staged (<see cref="Put"/>, <see cref="Delete"/>, <see cref="DeleteRange"/>) and
/// reach the database only in <see cref="Checkpoint"/>, as one atomic WriteBatch followed by a
/// RocksDB checkpoint; so the database always holds the state of exactly one checkpoint.
/// Opening restores: the live database is thrown away and rebuilt from the newest checkpoint
/// whose manifest and files verify (a damaged or incomplete one is skipped, with the reason in
/// <see cref="SkippedCheckpoints"/>); with no checkpoint the state starts empty, since state
/// without the input offsets it belongs to means nothing. The last <c>keep</c> checkpoints are
/// kept.
/// <para>
/// Opened with change tracking (for a changelog that carries the state to another machine), it
/// remembers which keys the staged writes touch; <see cref="CommitChanges"/> applies them and
/// returns each touched key with its value after the write (a range delete counts every key it
/// removed), so a changelog holds the net effect of each checkpoint whatever the order of the
/// writes. <see cref="Load"/> writes a changelog's entries in without tracking them.
/// </para>
/// Owned by one task.
/// </summary>
public sealed class TaskStateDb : IDisposable
{
    private const string DatabaseFolder = "db";
    private const string CheckpointsFolder = "checkpoints";

    private readonly RocksDb _db;
    private readonly Dictionary<string, ColumnFamilyHandle> _stores;
    private readonly WriteBatch _pending = new();

    // No write-ahead log: the live database is a working copy; what survives a crash is the
    // checkpoint, and writing one flushes the memtables into tables first. (A WAL would write
    // every checkpointed byte twice.)
    private readonly WriteOptions _write = new WriteOptions().DisableWal(1);
    private readonly FileChecksums _checksums = new(remember: true);
    private readonly int _keep;

    // With change tracking: the keys touched since the last CommitChanges, and the range deletes among the writes.
    private readonly Dictionary<string, HashSet<byte[]>>? _changed;
    private readonly List<(string Store, byte[] From, byte[] To)> _rangeDeletes = [];
    private long _nextId;
    private bool _disposed;

    private TaskStateDb(string directory, RocksDb db, Dictionary<string, ColumnFamilyHandle> stores, int keep, long? restored, long newest, IReadOnlyList<string> skipped, bool trackChanges)
    {
        _changed = trackChanges ? stores.Keys.ToDictionary(s => s, _ => new HashSet<byte[]>(Log.ByteArrayComparer.Instance), StringComparer.Ordinal) : null;
        _nextId = newest + 1;
        Directory = directory;
        _db = db;
        _stores = stores;
        _keep = keep;
        RestoredCheckpoint = restored;
        LastCheckpoint = restored ?? 0;
        SkippedCheckpoints = skipped;
    }

    public string Directory { get; }

    /// <summary>The checkpoint the state was restored from; null when it started empty.</summary>
    public long? RestoredCheckpoint { get; }

    /// <summary>The newest checkpoint written or restored; 0 before any.</summary>
    public long LastCheckpoint { get; private set; }

    /// <summary>The id the next <see cref="Checkpoint"/> will write.</summary>
    public long NextCheckpointId => _nextId;

    /// <summary>Checkpoints passed over on open, newest first, each with the reason.</summary>
    public IReadOnlyList<string> SkippedCheckpoints { get; }

    /// <summary>The stores (column families): those asked for and any the restored state holds.</summary>
    public IReadOnlyCollection<string> Stores => _stores.Keys;

    /// <summary>Writes staged since the last checkpoint.</summary>
    public int PendingWrites => _pending.Count();

    /// <summary>Opens (restoring) the state of the task in <paramref name="directory"/> with the given stores; stores found in the checkpoint are opened too.</summary>
    public static TaskStateDb Open(string directory, IEnumerable<string> stores, int keep = 3, bool trackChanges = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        string checkpoints = Path.Combine(directory, CheckpointsFolder);
        System.IO.Directory.CreateDirectory(checkpoints);
        foreach (string unfinished in System.IO.Directory.GetDirectories(checkpoints, "*.tmp"))
        {
            System.IO.Directory.Delete(unfinished, recursive: true);
        }
        var skipped = new List<string>();
        long? restored = null;
        foreach (long id in CheckpointIds(checkpoints).Reverse())
        {
            string path = CheckpointPath(directory, id);
            string? problem = CheckpointManifest.Verify(path, id, new FileChecksums(remember: false));
            if (problem is null)
            {
                restored = id;
                break;
            }
            skipped.Add($"checkpoint {id} ({path}): {problem}");
            // Removed, so retention keeps good checkpoints rather than this one; the reason is reported.
            TryDelete(path);
        }
        string live = Path.Combine(directory, DatabaseFolder);
        if (System.IO.Directory.Exists(live))
        {
            System.IO.Directory.Delete(live, recursive: true);
        }
        System.IO.Directory.CreateDirectory(live);
        if (restored is { } from)
        {
            CopyCheckpoint(CheckpointPath(directory, from), live);
        }
        var (db, handles) = OpenDatabase(live, stores);
        long newest = CheckpointIds(checkpoints).LastOrDefault();
        return new TaskStateDb(directory, db, handles, keep, restored, Math.Max(newest, restored ?? 0), skipped, trackChanges);
    }

    /// <summary>The value of <paramref name="key"/> in <paramref name="store"/> as of the last checkpoint, or null.</summary>
    public byte[]? Get(string store, ReadOnlySpan<byte> key) => _db.Get(key, Handle(store));

    /// <summary>Every entry of <paramref name="store"/> as of the last checkpoint, in key order (bytewise).</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Scan(string store)
    {
        using var iterator = _db.NewIterator(Handle(store));
        for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
        {
            yield return new(iterator.Key(), iterator.Value());
        }
    }

    public void Put(string store, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        _pending.Put(key, value, Handle(store));
        _changed?[store].Add(key.ToArray());
    }

    /// <summary>Stages a write that is never reported as a change (the state's own bookkeeping, e.g. how far a changelog is applied).</summary>
    public void PutUntracked(string store, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => _pending.Put(key, value, Handle(store));

    public void Delete(string store, ReadOnlySpan<byte> key)
    {
        _pending.Delete(key, Handle(store));
        _changed?[store].Add(key.ToArray());
    }

    /// <summary>Deletes the keys in [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="store"/>.</summary>
    public void DeleteRange(string store, byte[] from, byte[] to)
    {
        _pending.DeleteRange(from, (ulong)from.Length, to, (ulong)to.Length, Handle(store));
        if (_changed is not null)
        {
            _rangeDeletes.Add((store, from, to));
        }
    }

    /// <summary>Reports <paramref name="key"/> as changed at the next <see cref="CommitChanges"/> (its value there is whatever the state then holds).</summary>
    public void MarkChanged(string store, byte[] key) =>
        (_changed ?? throw new InvalidOperationException("the state was opened without change tracking"))[store].Add(key);

    /// <summary>
    /// Applies the staged writes and returns every key touched since the last call with its
    /// value now, in store and key order per store (null: deleted). Needs change tracking.
    /// </summary>
    public List<StateChange> CommitChanges()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var changed = _changed ?? throw new InvalidOperationException("the state was opened without change tracking");
        foreach (var (store, from, to) in _rangeDeletes)
        {
            // The keys a range delete removes are known only before it runs.
            using var iterator = _db.NewIterator(Handle(store));
            for (iterator.Seek(from); iterator.Valid() && iterator.Key().AsSpan().SequenceCompareTo(to) < 0; iterator.Next())
            {
                changed[store].Add(iterator.Key());
            }
        }
        _rangeDeletes.Clear();
        _db.Write(_pending, _write);
        _pending.Clear();
        var changes = new List<StateChange>();
        foreach (var (store, keys) in changed)
        {
            var handle = Handle(store);
            foreach (byte[] key in keys)
            {
                changes.Add(new StateChange(store, key, _db.Get(key, handle)));
            }
            keys.Clear();
        }
        return changes;
    }

    /// <summary>Writes <paramref name="changes"/> into the state at once (not staged, not tracked): a changelog being replayed. Entries of stores the state does not have are skipped.</summary>
    public void Load(IEnumerable<StateChange> changes)
    {
        using var batch = new WriteBatch();
        foreach (var change in changes)
        {
            if (_stores.TryGetValue(change.Store, out var handle))
            {
                if (change.Value is null)
                {
                    batch.Delete(change.Key, handle);
                }
                else
                {
                    batch.Put(change.Key, change.Value, handle);
                }
            }
        }
        _db.Write(batch, _write);
    }

    /// <summary>Deletes every entry at once (not staged); with change tracking each deleted key is reported as changed.</summary>
    public void Clear()
    {
        using var batch = new WriteBatch();
        foreach (var (store, handle) in _stores)
        {
            using var iterator = _db.NewIterator(handle);
            for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
            {
                byte[] key = iterator.Key();
                batch.Delete(key, handle);
                if (_changed?.TryGetValue(store, out var keys) == true)
                {
                    keys.Add(key);
                }
            }
        }
        _db.Write(batch, _write);
    }

    /// <summary>
    /// Commits the staged writes in one WriteBatch and writes the next checkpoint (ids only grow):
    /// a RocksDB checkpoint into a temporary folder, its manifest, then a rename, so a crash
    /// anywhere leaves the previous checkpoints as they were. Then drops the oldest beyond
    /// <c>keep</c>. Returns the new id. A failure (e.g. a full disk) throws a
    /// <see cref="StorageException"/> naming the checkpoint; earlier checkpoints stay whole.
    /// </summary>
    public long Checkpoint()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long id = _nextId;
        string final = CheckpointPath(Directory, id);
        string temporary = final + ".tmp";
        try
        {
            _db.Write(_pending, _write);
            _pending.Clear();
            using (var checkpoint = _db.Checkpoint())
            {
                checkpoint.Save(temporary, 0); // 0: flush the memtables first, so the tables hold everything
            }
            CheckpointManifest.Write(temporary, id, _checksums);
            System.IO.Directory.Move(temporary, final);
            FileLogFile.FlushDirectory(Path.Combine(Directory, CheckpointsFolder));
        }
        catch (Exception e) when (e is IOException or RocksDbException or UnauthorizedAccessException)
        {
            TryDelete(temporary);
            throw new StorageException($"checkpoint {id} of {Directory} failed: {e.Message}; checkpoint {LastCheckpoint} is still the latest", e);
        }
        LastCheckpoint = id;
        _nextId = id + 1;
        DropOldCheckpoints();
        return id;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _pending.Dispose();
        _db.Dispose();
    }

    private ColumnFamilyHandle Handle(string store) =>
        _stores.TryGetValue(store, out var handle) ? handle : throw new ArgumentException($"the task state in {Directory} has no store '{store}'", nameof(store));

    private void DropOldCheckpoints()
    {
        var ids = CheckpointIds(Path.Combine(Directory, CheckpointsFolder)).ToList();
        foreach (long old in ids.Take(Math.Max(0, ids.Count - _keep)))
        {
            TryDelete(CheckpointPath(Directory, old));
        }
        var kept = ids.Skip(Math.Max(0, ids.Count - _keep))
            .SelectMany(i => System.IO.Directory.GetFiles(CheckpointPath(Directory, i)))
            .Select(p => Path.GetFileName(p)!)
            .ToHashSet(StringComparer.Ordinal);
        _checksums.Retain(kept);
    }

    private static (RocksDb Db, Dictionary<string, ColumnFamilyHandle> Handles) OpenDatabase(string path, IEnumerable<string> stores)
    {
        var options = new DbOptions().SetCreateIfMissing(true).SetCreateMissingColumnFamilies(true);
        var names = new SortedSet<string>(stores, StringComparer.Ordinal) { "default" };
        if (RocksDb.TryListColumnFamilies(options, path, out string[] existing))
        {
            names.UnionWith(existing);
        }
        var families = new ColumnFamilies();
        foreach (string name in names.Where(n => n != "default"))
        {
            // A checkpoint writes all changed entries at once; a memtable that holds them (1 M
            // entries ≈ 60 MB) is flushed once, by the checkpoint, instead of mid-batch.
            families.Add(name, new ColumnFamilyOptions().SetWriteBufferSize(256UL << 20));
        }
        var db = RocksDb.Open(options, path, families);
        var handles = names.ToDictionary(n => n, db.GetColumnFamily, StringComparer.Ordinal);
        return (db, handles);
    }

    /// <summary>
    /// Rebuilds a live database from a copy of a checkpoint; a copy, because RocksDB appends to
    /// its manifest and logs and the checkpoint must stay as verified (state of 1 M keys is tens
    /// of MB: the copy takes milliseconds from the page cache).
    /// </summary>
    private static void CopyCheckpoint(string checkpoint, string live)
    {
        foreach (string file in System.IO.Directory.GetFiles(checkpoint))
        {
            string name = Path.GetFileName(file);
            if (name != CheckpointManifest.FileName)
            {
                File.Copy(file, Path.Combine(live, name));
            }
        }
    }

    private static IEnumerable<long> CheckpointIds(string checkpoints) =>
        System.IO.Directory.GetDirectories(checkpoints)
            .Select(Path.GetFileName)
            .Select(n => long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out long id) ? id : -1)
            .Where(id => id > 0)
            .Order();

    private static string CheckpointPath(string directory, long id) =>
        Path.Combine(directory, CheckpointsFolder, id.ToString(CultureInfo.InvariantCulture));

    private static void TryDelete(string path)
    {
        try
        {
            if (System.IO.Directory.Exists(path))
            {
                System.IO.Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
            // Left for the next open, which removes unfinished checkpoints and the retention pass removes old ones.
        }
    }
}
