using Cep.Storage.IO;
using Cep.Storage.Records;

namespace Cep.Storage.Log;

/// <summary>
/// One partition: an ordered list of <see cref="LogSegment"/>s in one directory, the last of
/// which (the active segment) takes appends. The single writer assigns offsets under a lock;
/// durability follows the topic's <see cref="FlushPolicy"/> and an append is acknowledged
/// (its task completes) only once that policy is met.
/// A rolled segment is fsynced in the background (so a roll never stalls appends) and then
/// the recovery point moves past it. Opening is recovery: after an unclean shutdown every
/// segment from the recovery point on is validated batch by batch and the log is cut at the
/// first bad batch. Nothing after the last valid batch survives, nothing before it is lost.
/// Idempotent producers (batches with a producer id) are tracked in a <see cref="ProducerStateTable"/>:
/// a retried batch is acknowledged with its original offsets instead of being appended twice,
/// and a sequence gap or a fenced epoch is refused. The table is snapshotted at every roll and
/// on close (<see cref="ProducerSnapshotFile"/>) and rebuilt from the newest snapshot plus the
/// batches after it on open and after a truncation.
/// Thread-safety: every public member is thread-safe. Writes serialize on one lock; reads
/// take no lock (they work on an immutable snapshot of the segment list and pin segments).
/// </summary>
public sealed class PartitionLog : IDisposable
{
    private readonly object _writeLock = new();
    private readonly PartitionLogOptions _options;
    private readonly GroupCommitter _groupCommitter;
    private readonly ITimer _flushTimer;
    private readonly RecoveryPointFile _recoveryPoint;
    private readonly object _sealedFlushLock = new();
    private readonly List<LogSegment> _unflushed = [];
    private LogSegment[] _segments;
    private ProducerStateTable _producers;
    private long _logEndOffset;
    private long _lastFlushMs;
    private TaskCompletionSource _appended = NewSignal();
    private LogConfig _config;
    private bool _disposed;

    private PartitionLog(string directory, string topic, int partition, LogConfig config, PartitionLogOptions options)
    {
        Directory = directory;
        Topic = topic;
        Partition = partition;
        _config = config;
        _options = options;
        _recoveryPoint = new RecoveryPointFile(directory);
        _segments = LogLoader.Load(directory, config, options, _recoveryPoint, out long truncated);
        TruncatedOnOpen = truncated;
        _producers = ProducerStateLoader.Load(directory, _segments);
        _logEndOffset = _segments[^1].NextOffset;
        _lastFlushMs = NowMs;
        _groupCommitter = new GroupCommitter(Name, _logEndOffset, FlushActive);
        _flushTimer = options.Time.CreateTimer(_ => FlushIfDue(), null, TimeSpan.FromMilliseconds(config.FlushMs), TimeSpan.FromMilliseconds(config.FlushMs));
    }

    public string Directory { get; }

    public string Topic { get; }

    public int Partition { get; }

    /// <summary>"topic/partition", as errors name it.</summary>
    public string Name => $"{Topic}/{Partition}";

    /// <summary>Bytes cut from a torn or corrupt tail when the log was opened.</summary>
    public long TruncatedOnOpen { get; }

    /// <summary>The topic's settings; a new value applies from the next append, roll, flush and maintenance pass.</summary>
    public LogConfig Config
    {
        get => Volatile.Read(ref _config);
        set
        {
            var period = TimeSpan.FromMilliseconds(value.FlushMs);
            Volatile.Write(ref _config, value);
            _flushTimer.Change(period, period);
        }
    }

    /// <summary>The epoch stamped into every appended batch (replication advances it).</summary>
    public int LeaderEpoch { get; set; }

    public long LogStartOffset => Volatile.Read(ref _segments)[0].BaseOffset;

    /// <summary>The offset the next appended record will get.</summary>
    public long LogEndOffset => Volatile.Read(ref _logEndOffset);

    /// <summary>Readers see records below this. On one node it is the log end offset; replication will hold it back.</summary>
    public long HighWatermark => LogEndOffset;

    public long SizeInBytes => Volatile.Read(ref _segments).Sum(s => s.Size);

    public int SegmentCount => Volatile.Read(ref _segments).Length;

    internal LogSegment[] Segments => Volatile.Read(ref _segments);

    internal PartitionLogOptions Options => _options;

    private long NowMs => _options.Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Opens (recovering if needed) or creates the partition in <paramref name="directory"/>.</summary>
    public static PartitionLog Open(string directory, string topic, int partition, LogConfig config, PartitionLogOptions? options = null)
    {
        System.IO.Directory.CreateDirectory(directory);
        return new PartitionLog(directory, topic, partition, config, options ?? new PartitionLogOptions());
    }

    /// <summary>
    /// Appends one or more whole record batches. Each is validated first (framing, magic, CRC,
    /// count, size, and for an idempotent producer its epoch and sequence); if any fails nothing
    /// is appended. The batches' base offsets (and leader epoch) are overwritten in
    /// <paramref name="batches"/> with the offsets assigned, which leaves their CRCs valid.
    /// A retry of batches an idempotent producer already appended is not written again: the
    /// result carries the original offsets and <see cref="AppendResult.IsDuplicate"/>.
    /// Completes when the topic's flush policy is met (for a retry: the original's).
    /// </summary>
    /// <exception cref="OutOfOrderSequenceException">An idempotent batch does not follow its producer's last sequence.</exception>
    /// <exception cref="InvalidProducerEpochException">An idempotent batch carries an older epoch than its producer's current one.</exception>
    public ValueTask<AppendResult> AppendAsync(Memory<byte> batches)
    {
        AppendResult result;
        bool waitForGroupCommit;
        // Validation (CRCs) runs before the lock, so concurrent producers check in parallel.
        var config = Config;
        var ranges = AppendValidator.Validate(Name, batches, config);
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            result = _producers.Check(Name, batches, ranges, _logEndOffset, config.LogAppendTime)
                ?? AppendLocked(batches, ranges, config);
            switch (config.FlushPolicy)
            {
                case FlushPolicy.Fsync:
                    FlushLocked();
                    waitForGroupCommit = false;
                    break;
                case FlushPolicy.Group:
                    waitForGroupCommit = true;
                    break;
                case FlushPolicy.Interval: // the flush timer fsyncs, outside this lock
                    waitForGroupCommit = false;
                    break;
                case FlushPolicy.Os:
                    waitForGroupCommit = false;
                    break;
                default:
                    throw new InvalidOperationException($"unknown flush policy {config.FlushPolicy}");
            }
        }
        Interlocked.Exchange(ref _appended, NewSignal()).TrySetResult();
        return waitForGroupCommit
            ? AwaitDurable(_groupCommitter.WaitDurableAsync(result.LastOffset + 1), result)
            : ValueTask.FromResult(result);
    }

    /// <summary>Every idempotent producer the partition knows (those with batches still in the log).</summary>
    public IReadOnlyList<ProducerState> GetProducerStates()
    {
        lock (_writeLock)
        {
            return [.. _producers.Producers];
        }
    }

    /// <summary>
    /// What the partition knows of idempotent producer <paramref name="producerId"/>: its epoch,
    /// last sequence and recent batches; null when it has no batch in the log. For diagnostics and tests.
    /// </summary>
    public ProducerState? GetProducerState(long producerId)
    {
        lock (_writeLock)
        {
            return _producers.Get(producerId);
        }
    }

    /// <summary>
    /// Reads whole batches from the one holding <paramref name="offset"/>, about
    /// <paramref name="maxBytes"/> worth (at least one batch). Empty at the log end.
    /// </summary>
    /// <exception cref="OffsetOutOfRangeException">The offset is below the log start or above the log end.</exception>
    public FetchResult Read(long offset, int maxBytes) => Read(offset, maxBytes, default);

    /// <summary>
    /// As <see cref="Read(long, int)"/>, reading into <paramref name="buffer"/> when the batches
    /// fit (a reader that reuses one buffer allocates nothing per read); the result is then
    /// valid only until the buffer is reused.
    /// </summary>
    public FetchResult Read(long offset, Memory<byte> buffer) => Read(offset, buffer.Length, buffer);

    private FetchResult Read(long offset, int maxBytes, Memory<byte> buffer)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
            // The end first: a roll publishes the new segment before the end moves past it, so
            // every offset below this end is in the snapshot taken next (or was deleted).
            long end = HighWatermark;
            var segments = Segments;
            long start = segments[0].BaseOffset;
            if (offset < start || offset > end)
            {
                throw new OffsetOutOfRangeException($"offset {offset} is out of range for {Name}; valid offsets are [{start}, {end}]");
            }
            bool stale = false;
            for (int i = FindSegment(segments, offset); i < segments.Length && offset < end; i++)
            {
                var segment = segments[i];
                if (!segment.TryAcquire())
                {
                    stale = true;
                    break;
                }
                try
                {
                    var records = segment.Read(offset, maxBytes, buffer);
                    if (!records.IsEmpty)
                    {
                        return new FetchResult(records, end, start);
                    }
                }
                finally
                {
                    segment.Release();
                }
            }
            if (!stale)
            {
                return new FetchResult(ReadOnlyMemory<byte>.Empty, end, start);
            }
        }
    }

    /// <summary>
    /// Completes when the log end offset passes <paramref name="offset"/> (no polling: appends
    /// signal it). Throws <see cref="ObjectDisposedException"/> once the log is closed or deleted.
    /// </summary>
    public async Task WaitForDataAsync(long offset, CancellationToken cancellationToken)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
            var signal = Volatile.Read(ref _appended);
            if (HighWatermark > offset)
            {
                return;
            }
            await signal.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The first offset whose record timestamp is ≥ <paramref name="timestamp"/>, or null when none is.</summary>
    public long? OffsetForTimestamp(long timestamp)
    {
        foreach (var segment in Segments)
        {
            if (segment.MaxTimestamp >= timestamp && segment.TryAcquire())
            {
                try
                {
                    long? offset = segment.FindOffsetByTimestamp(timestamp);
                    if (offset is not null)
                    {
                        return offset;
                    }
                }
                finally
                {
                    segment.Release();
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Removes every record at or after <paramref name="offset"/>. Batches are removed whole, so
    /// the new log end may be below <paramref name="offset"/> when it falls inside a batch.
    /// Below the log start, the log is emptied and restarts at <paramref name="offset"/>.
    /// The producer table is rebuilt to match the shorter log, so a cut batch may be sent again.
    /// </summary>
    public void TruncateTo(long offset)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (offset >= _logEndOffset)
            {
                return;
            }
            var segments = Segments;
            var keep = segments.Where(s => s.BaseOffset < offset).ToList();
            foreach (var segment in segments.Where(s => s.BaseOffset >= offset))
            {
                segment.Retire(deleteFiles: true);
            }
            if (keep.Count == 0)
            {
                keep.Add(NewSegment(offset));
            }
            else
            {
                keep[^1].TruncateTo(offset);
            }
            Publish(keep.ToArray());
            _logEndOffset = keep[^1].NextOffset;
            // Snapshots above the new end describe cut records; the table is rebuilt from one below it.
            _producers = ProducerStateLoader.Load(Directory, Segments);
            _groupCommitter.ResetDurableOffset(_logEndOffset);
            // The cut segment changed after it was durable: after a crash, recover from it.
            _recoveryPoint.Write(Math.Min(_recoveryPoint.Read(), keep[^1].BaseOffset));
        }
    }

    /// <summary>
    /// Applies retention.ms and retention.bytes: deletes whole segments from the oldest on,
    /// never the one holding the last records (an expired active segment is rolled first).
    /// Returns the number of segments deleted.
    /// </summary>
    public int EnforceRetention()
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var config = Config;
            if (!config.CleanupPolicy.HasFlag(CleanupPolicy.Delete))
            {
                return 0;
            }
            long now = NowMs;
            var segments = Segments.ToList();
            bool Expired(LogSegment s) => config.RetentionMs >= 0 && s.Size > 0 && s.MaxTimestamp < now - config.RetentionMs;
            if (segments.Count > 0 && Expired(segments[^1]) && segments.All(Expired))
            {
                RollLocked();
                segments = Segments.ToList();
            }
            long total = segments.Sum(s => s.Size);
            int deleted = 0;
            while (segments.Count > 1)
            {
                var oldest = segments[0];
                bool overSize = config.RetentionBytes >= 0 && total - oldest.Size >= config.RetentionBytes;
                // An empty sealed segment (all compacted away) holds nothing to keep.
                if (oldest.Size > 0 && !Expired(oldest) && !overSize)
                {
                    break;
                }
                segments.RemoveAt(0);
                total -= oldest.Size;
                oldest.Retire(deleteFiles: true);
                deleted++;
            }
            if (deleted > 0)
            {
                Publish(segments.ToArray());
                _producers.EvictBelow(segments[0].BaseOffset);
            }
            return deleted;
        }
    }

    /// <summary>Makes every appended record durable now.</summary>
    public void Flush()
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            FlushLocked();
        }
    }

    /// <summary>
    /// Checks every batch (framing, CRC, offsets in order) and every index entry; returns one
    /// line per problem naming topic/partition, segment, position and offset. Empty means sound.
    /// </summary>
    public IReadOnlyList<string> Verify() => LogVerifier.Verify(Name, Segments);

    /// <summary>Flushes, marks the shutdown clean (so the next open skips full recovery) and closes.</summary>
    public void Dispose()
    {
        lock (_writeLock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        // Readers waiting for data learn that none will come (their wait throws ObjectDisposedException).
        Interlocked.Exchange(ref _appended, NewSignal()).TrySetResult();
        _flushTimer.Dispose();
        _groupCommitter.Dispose();
        bool flushed;
        try
        {
            FlushSealed();
            Segments[^1].Seal();
            Segments[^1].FlushToDisk();
            // The next open then scans no batch to rebuild the producer table.
            ProducerSnapshotFile.Write(Directory, _producers);
            flushed = true;
        }
        catch (IOException)
        {
            flushed = false;
        }
        foreach (var segment in Segments)
        {
            segment.Release();
        }
        if (flushed)
        {
            LogLoader.MarkCleanShutdown(Directory);
        }
        _appended.TrySetResult();
    }

    /// <summary>
    /// Replaces <paramref name="old"/> with the segment whose cleaned log is at
    /// <paramref name="cleanedLogPath"/> (same base offset). Returns false, deleting the
    /// cleaned file, when <paramref name="old"/> is no longer in the log.
    /// </summary>
    internal bool ReplaceSegment(LogSegment old, string cleanedLogPath)
    {
        lock (_writeLock)
        {
            var segments = Segments;
            int index = Array.IndexOf(segments, old);
            if (_disposed || index < 0 || index == segments.Length - 1)
            {
                File.Delete(cleanedLogPath);
                return false;
            }
            // Indexes go first: a crash between the two steps leaves the old log with no index
            // (rebuilt on open), never a cleaned log with the old, wrong index.
            File.Delete(Path.Combine(Directory, LogSegment.FileName(old.BaseOffset, ".index")));
            File.Delete(Path.Combine(Directory, LogSegment.FileName(old.BaseOffset, ".timeindex")));
            File.Move(cleanedLogPath, old.LogPath, overwrite: true);
            FileLogFile.FlushDirectory(Directory);
            var replacement = new LogSegment(Directory, old.BaseOffset, Config.IndexIntervalBytes, _options.OpenLogFile);
            replacement.Load(SegmentLoad.Recover);
            replacement.Seal();
            replacement.FlushToDisk();
            var updated = (LogSegment[])segments.Clone();
            updated[index] = replacement;
            Publish(updated);
            old.Retire(deleteFiles: false);
            return true;
        }
    }

    private static async ValueTask<AppendResult> AwaitDurable(Task durable, AppendResult result)
    {
        await durable.ConfigureAwait(false);
        return result;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static int FindSegment(LogSegment[] segments, long offset)
    {
        int low = 0, high = segments.Length - 1, found = 0;
        while (low <= high)
        {
            int mid = (low + high) >>> 1;
            if (segments[mid].BaseOffset <= offset)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        return found;
    }

    private AppendResult AppendLocked(Memory<byte> batches, List<(int Start, int Size)> ranges, LogConfig config)
    {
        long first = _logEndOffset;
        long appendTime = config.LogAppendTime ? NowMs : -1;
        int records = 0;
        try
        {
            foreach (var (start, size) in ranges)
            {
                var bytes = batches.Slice(start, size);
                RecordBatch.SetBaseOffset(bytes.Span, _logEndOffset);
                RecordBatch.SetPartitionLeaderEpoch(bytes.Span, LeaderEpoch);
                if (appendTime >= 0)
                {
                    RecordBatch.SetLogAppendTime(bytes.Span, appendTime);
                }
                var batch = new RecordBatch(bytes);
                if (NeedsRoll(_segments[^1], batch, config))
                {
                    RollLocked();
                }
                _segments[^1].Append(bytes.Span, batch.BaseOffset, batch.LastOffset, batch.MaxTimestamp);
                _producers.Apply(batch);
                Volatile.Write(ref _logEndOffset, batch.LastOffset + 1);
                records += batch.RecordCount;
            }
        }
        catch (IOException e)
        {
            // Take back what this call appended, so a failed append is all or nothing.
            try
            {
                TruncateUnlocked(first);
            }
            catch (IOException)
            {
                // Recovery on the next open cuts whatever is left.
            }
            throw new LogIOException($"{Name}: append at offset {first} failed, nothing was appended: {e.Message}", e);
        }
        return new AppendResult(first, _logEndOffset - 1, appendTime, records);
    }

    /// <summary>Undoes a failed append: whole batches it wrote (in any segment), then the torn bytes of the one that failed.</summary>
    private void TruncateUnlocked(long offset)
    {
        if (offset < _logEndOffset)
        {
            TruncateTo(offset);
        }
        _segments[^1].TruncateTo(offset);
        Volatile.Write(ref _logEndOffset, _segments[^1].NextOffset);
    }

    private static bool NeedsRoll(LogSegment active, RecordBatch batch, LogConfig config) =>
        active.Size > 0 && (
            active.Size + batch.SizeInBytes > config.SegmentBytes
            || batch.MaxTimestamp - active.FirstBatchTimestamp > config.SegmentMs
            || batch.LastOffset - active.BaseOffset > int.MaxValue);

    /// <summary>
    /// Seals the active segment, snapshots the producer table at the log end (so recovery scans
    /// at most the new segment to rebuild it) and starts a new segment there. The sealed segment is
    /// fsynced in the background; until then acknowledging flushes cover it too
    /// (<see cref="FlushActive"/>). The directory is synced now, so an acknowledged record in
    /// the new file cannot lose its directory entry.
    /// </summary>
    private void RollLocked()
    {
        var segments = Segments;
        var sealedSegment = segments[^1];
        sealedSegment.Seal();
        sealedSegment.TryAcquire(); // held until its background flush is done
        _unflushed.Add(sealedSegment);
        ProducerSnapshotFile.Write(Directory, _producers);
        var next = NewSegment(_logEndOffset);
        FileLogFile.FlushDirectory(Directory);
        Publish([.. segments, next]);
        ThreadPool.QueueUserWorkItem(_ => TryFlushSealed());
    }

    private void TryFlushSealed()
    {
        try
        {
            FlushSealed();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // Left in the unflushed list: the next acknowledging flush or close retries and
            // reports. (A background work item must not take the process down.)
        }
    }

    /// <summary>
    /// Fsyncs every rolled segment not yet durable (log and indexes), then moves the recovery
    /// point past them. Runs outside the write lock; one at a time.
    /// </summary>
    private void FlushSealed()
    {
        lock (_sealedFlushLock)
        {
            LogSegment[] pending;
            lock (_writeLock)
            {
                pending = _unflushed.ToArray();
            }
            if (pending.Length == 0)
            {
                return;
            }
            foreach (var segment in pending)
            {
                segment.FlushToDisk();
            }
            long recoveryPoint;
            lock (_writeLock)
            {
                foreach (var segment in pending)
                {
                    _unflushed.Remove(segment);
                    segment.Release();
                }
                recoveryPoint = _unflushed.Count > 0 ? _unflushed[0].BaseOffset : _segments[^1].BaseOffset;
            }
            _recoveryPoint.Write(recoveryPoint);
        }
    }

    private LogSegment NewSegment(long baseOffset) => LogSegment.Create(Directory, baseOffset, Config.IndexIntervalBytes, _options.OpenLogFile);

    private void Publish(LogSegment[] segments) => Volatile.Write(ref _segments, segments);

    private void FlushLocked()
    {
        try
        {
            foreach (var segment in _unflushed)
            {
                segment.Flush();
            }
            _segments[^1].Flush();
        }
        catch (IOException e)
        {
            throw new LogIOException($"{Name}: flush failed: {e.Message}", e);
        }
        _lastFlushMs = NowMs;
    }

    private void FlushIfDue()
    {
        lock (_writeLock)
        {
            if (_disposed || Config.FlushPolicy != FlushPolicy.Interval || NowMs - _lastFlushMs < Config.FlushMs)
            {
                return;
            }
            _lastFlushMs = NowMs;
        }
        try
        {
            FlushActive();
        }
        catch (IOException)
        {
            // Interval durability is best effort between flushes; the next flush or close retries.
        }
    }

    /// <summary>
    /// Notes the log end, then fsyncs the active segment outside the write lock so appends go
    /// on meanwhile; every offset below the noted end is durable when it returns. (Data rolled
    /// into an older segment meanwhile was made durable by the roll.) Used by group commit and
    /// the interval timer.
    /// </summary>
    private long FlushActive()
    {
        LogSegment[] segments;
        long end;
        lock (_writeLock)
        {
            end = _logEndOffset;
            segments = [.. _unflushed, _segments[^1]];
            foreach (var segment in segments)
            {
                segment.TryAcquire(); // cannot fail: segments are retired only under this lock
            }
        }
        try
        {
            foreach (var segment in segments)
            {
                segment.Flush();
            }
        }
        finally
        {
            foreach (var segment in segments)
            {
                segment.Release();
            }
        }
        return end;
    }
}
