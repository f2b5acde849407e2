using System.Buffers.Binary;
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
/// Replication (<see cref="TrackHighWatermark"/>): the log then holds back its high watermark —
/// readers see records below it only — and the replica layer moves it; a follower appends the
/// leader's batches as they are (<see cref="AppendReplicatedAsync"/>), and a
/// <see cref="LeaderEpochCache"/> records which leader epoch wrote which offsets, so a follower
/// can find where it diverges from a new leader (<see cref="EndOffsetForEpoch"/>) and cut there.
/// Thread-safety: every public member is thread-safe. Writes serialize on one lock; reads
/// take no lock (they work on an immutable snapshot of the segment list and pin segments).
/// </summary>
public sealed class PartitionLog : IDisposable
{
    private readonly object _writeLock = new();
    private readonly PartitionLogOptions _options;
    private readonly GroupCommitter _groupCommitter;
    private readonly ITimer _flushTimer;
    private readonly OffsetFile _recoveryPoint;
    private readonly OffsetFile _highWatermarkFile;
    private readonly LeaderEpochCache _epochs;
    private readonly object _sealedFlushLock = new();
    private readonly List<LogSegment> _unflushed = [];
    private LogSegment[] _segments;
    private ProducerStateTable _producers;
    private long _logEndOffset;
    private long _highWatermark;
    private long _checkpointedHighWatermark = -1;
    private bool _tracksHighWatermark;
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
        _recoveryPoint = new OffsetFile(directory, OffsetFile.RecoveryPoint);
        _segments = LogLoader.Load(directory, config, options, _recoveryPoint, out long truncated);
        TruncatedOnOpen = truncated;
        _producers = ProducerStateLoader.Load(directory, _segments);
        _logEndOffset = _segments[^1].NextOffset;
        _epochs = LeaderEpochCache.Load(directory, _segments);
        LeaderEpoch = _epochs.LatestEpoch ?? 0;
        _highWatermarkFile = new OffsetFile(directory, OffsetFile.HighWatermark);
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

    /// <summary>The epoch stamped into every batch this log appends as the leader (<see cref="BecomeLeader"/> advances it); on open, the latest epoch the log holds.</summary>
    public int LeaderEpoch { get; private set; }

    /// <summary>Which leader epoch wrote which offsets: (epoch, start offset), in order.</summary>
    public IReadOnlyList<(int Epoch, long StartOffset)> LeaderEpochs
    {
        get
        {
            lock (_writeLock)
            {
                return _epochs.Entries.ToArray();
            }
        }
    }

    public long LogStartOffset => Volatile.Read(ref _segments)[0].BaseOffset;

    /// <summary>The offset the next appended record will get.</summary>
    public long LogEndOffset => Volatile.Read(ref _logEndOffset);

    /// <summary>Readers see records below this: the log end offset, unless the log is replicated (<see cref="TrackHighWatermark"/>), when it is the offset every in-sync replica has.</summary>
    public long HighWatermark => Volatile.Read(ref _tracksHighWatermark) ? Volatile.Read(ref _highWatermark) : LogEndOffset;

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
                ?? AppendLocked(batches, ranges, config, asLeader: true);
            waitForGroupCommit = MeetFlushPolicyLocked(config);
        }
        return Acknowledge(result, waitForGroupCommit);
    }

    /// <summary>
    /// A follower's append: whole batches fetched from the leader, stored as they are (their
    /// offsets, leader epochs and timestamps are the leader's), validated like any append.
    /// Batches wholly below the log end are skipped (a fetch may start inside what the follower
    /// has); the next must start exactly at the log end. The producer table and the leader-epoch
    /// cache follow the batches, so this log can become the leader with both intact. Completes
    /// when the topic's flush policy is met.
    /// </summary>
    /// <exception cref="ReplicaMismatchException">The batches leave a gap or overlap the log's own differently.</exception>
    public ValueTask<AppendResult> AppendReplicatedAsync(Memory<byte> batches)
    {
        AppendResult result;
        bool waitForGroupCommit;
        var config = Config;
        var ranges = AppendValidator.Validate(Name, batches, config);
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ranges = FollowingRanges(batches, ranges);
            if (ranges.Count == 0)
            {
                return ValueTask.FromResult(new AppendResult(_logEndOffset, _logEndOffset - 1, -1, 0));
            }
            result = AppendLocked(batches, ranges, config, asLeader: false);
            waitForGroupCommit = MeetFlushPolicyLocked(config);
        }
        return Acknowledge(result, waitForGroupCommit);
    }

    /// <summary>
    /// Makes this log the leader for <paramref name="epoch"/>: from now on its appends are
    /// stamped with it, and the epoch starts at the log end. Nothing changes for an epoch not
    /// newer than the current one.
    /// </summary>
    public void BecomeLeader(int epoch)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (epoch > LeaderEpoch || _epochs.LatestEpoch is null)
            {
                LeaderEpoch = Math.Max(epoch, LeaderEpoch);
                _epochs.Assign(epoch, _logEndOffset);
            }
        }
    }

    /// <summary>Where <paramref name="epoch"/> ends in this log (Kafka's OffsetForLeaderEpoch; see <see cref="EpochEndOffset"/>).</summary>
    public EpochEndOffset EndOffsetForEpoch(int epoch)
    {
        lock (_writeLock)
        {
            return _epochs.EndOffsetFor(epoch, _logEndOffset);
        }
    }

    /// <summary>
    /// From now on the high watermark is held back (the log is a replica): it starts at the
    /// one checkpointed before (at most the log end; 0 when none was) and moves only through
    /// <see cref="AdvanceHighWatermark"/>. Idempotent.
    /// </summary>
    public void TrackHighWatermark()
    {
        lock (_writeLock)
        {
            if (!_tracksHighWatermark)
            {
                _highWatermark = Math.Clamp(_highWatermarkFile.Read(0), LogStartOffset, _logEndOffset);
                Volatile.Write(ref _tracksHighWatermark, true);
            }
        }
    }

    /// <summary>Moves the high watermark up to <paramref name="offset"/> (never past the log end, never down) and wakes readers waiting for it.</summary>
    public void AdvanceHighWatermark(long offset)
    {
        bool moved;
        lock (_writeLock)
        {
            long next = Math.Min(offset, _logEndOffset);
            moved = _tracksHighWatermark && next > _highWatermark;
            if (moved)
            {
                Volatile.Write(ref _highWatermark, next);
            }
        }
        if (moved)
        {
            Interlocked.Exchange(ref _appended, NewSignal()).TrySetResult();
        }
    }

    /// <summary>Writes the high watermark to <c>high-watermark</c> when it moved since the last time (the replica layer calls this every few seconds; closing does too).</summary>
    public void CheckpointHighWatermark()
    {
        lock (_writeLock)
        {
            if (_tracksHighWatermark && _highWatermark != _checkpointedHighWatermark && !_disposed)
            {
                _highWatermarkFile.Write(_highWatermark);
                _checkpointedHighWatermark = _highWatermark;
            }
        }
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
    public FetchResult Read(long offset, int maxBytes) => Read(offset, maxBytes, default, toLogEnd: false);

    /// <summary>
    /// A follower's read: as <see cref="Read(long, int)"/> but up to the log end, past the high
    /// watermark (what followers fetch is what moves it). The result still reports the high watermark.
    /// </summary>
    public FetchResult ReadForReplica(long offset, int maxBytes) => Read(offset, maxBytes, default, toLogEnd: true);

    /// <summary>
    /// As <see cref="Read(long, int)"/>, reading into <paramref name="buffer"/> when the batches
    /// fit (a reader that reuses one buffer allocates nothing per read); the result is then
    /// valid only until the buffer is reused.
    /// </summary>
    public FetchResult Read(long offset, Memory<byte> buffer) => Read(offset, buffer.Length, buffer, toLogEnd: false);

    /// <summary>Whole batches from the one holding <paramref name="offset"/>, none at or past the high watermark (the log end when <paramref name="toLogEnd"/>).</summary>
    private FetchResult Read(long offset, int maxBytes, Memory<byte> buffer, bool toLogEnd)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
            // The ends first: a roll publishes the new segment before the end moves past it, so
            // every offset below this end is in the snapshot taken next (or was deleted). The high
            // watermark is never above the log end, so it is read first.
            long highWatermark = HighWatermark;
            long logEnd = LogEndOffset;
            long end = toLogEnd ? logEnd : highWatermark;
            var segments = Segments;
            long start = segments[0].BaseOffset;
            if (offset < start || offset > logEnd)
            {
                throw new OffsetOutOfRangeException($"offset {offset} is out of range for {Name}; valid offsets are [{start}, {logEnd}]");
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
                    // The segment may hold batches appended after the ends were read: they are cut off.
                    var records = BatchesBelow(segment.Read(offset, maxBytes, buffer), end);
                    if (!records.IsEmpty)
                    {
                        return new FetchResult(records, highWatermark, start);
                    }
                }
                finally
                {
                    segment.Release();
                }
            }
            if (!stale)
            {
                return new FetchResult(ReadOnlyMemory<byte>.Empty, highWatermark, start);
            }
        }
    }

    /// <summary>
    /// Completes when the high watermark (the log end when <paramref name="toLogEnd"/>: a
    /// follower's wait) passes <paramref name="offset"/> (no polling: appends and high-watermark
    /// moves signal it). Throws <see cref="ObjectDisposedException"/> once the log is closed or deleted.
    /// </summary>
    public async Task WaitForDataAsync(long offset, CancellationToken cancellationToken, bool toLogEnd = false)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
            var signal = Volatile.Read(ref _appended);
            if ((toLogEnd ? LogEndOffset : HighWatermark) > offset)
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
            CutLocked(offset);
        }
    }

    /// <summary>
    /// Empties the log and starts it again at <paramref name="offset"/>, which may lie past the
    /// log end: a follower whose leader's retention deleted everything it would fetch next.
    /// </summary>
    public void TruncateFullyAndStartAt(long offset)
    {
        lock (_writeLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CutLocked(long.MinValue, startAt: offset);
            _highWatermark = Math.Max(_highWatermark, offset);
        }
    }

    /// <summary>Removes the batches at or after <paramref name="offset"/>; with nothing left, the log starts at <paramref name="startAt"/> (by default the cut itself).</summary>
    private void CutLocked(long offset, long? startAt = null)
    {
        var segments = Segments;
        var keep = segments.Where(s => s.BaseOffset < offset).ToList();
        foreach (var segment in segments.Where(s => s.BaseOffset >= offset))
        {
            segment.Retire(deleteFiles: true);
        }
        if (keep.Count == 0)
        {
            keep.Add(NewSegment(startAt ?? offset));
        }
        else
        {
            keep[^1].TruncateTo(offset);
        }
        Publish(keep.ToArray());
        _logEndOffset = keep[^1].NextOffset;
        _highWatermark = Math.Min(_highWatermark, _logEndOffset);
        // Starting over, no epoch of the old log applies any more.
        _epochs.TruncateFromEnd(startAt is null ? _logEndOffset : long.MinValue);
        // Snapshots above the new end describe cut records; the table is rebuilt from one below it.
        _producers = ProducerStateLoader.Load(Directory, Segments);
        _groupCommitter.ResetDurableOffset(_logEndOffset);
        // The cut segment changed after it was durable: after a crash, recover from it.
        _recoveryPoint.Write(Math.Min(_recoveryPoint.Read(), keep[^1].BaseOffset));
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
                _epochs.TruncateFromStart(segments[0].BaseOffset);
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
            if (_tracksHighWatermark)
            {
                _highWatermarkFile.Write(_highWatermark);
            }
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

    /// <summary>The leading whole batches of <paramref name="records"/> whose base offset is below <paramref name="end"/>.</summary>
    private static ReadOnlyMemory<byte> BatchesBelow(ReadOnlyMemory<byte> records, long end)
    {
        int position = 0;
        while (position < records.Length && RecordBatch.TryReadSize(records.Span[position..], out int size)
            && BinaryPrimitives.ReadInt64BigEndian(records.Span[position..]) < end)
        {
            position += size;
        }
        return records[..position];
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

    /// <summary>
    /// Writes validated batches at the log end. As the leader it assigns their offsets, its
    /// epoch and (LogAppendTime) the time; as a follower they carry the leader's, checked to
    /// continue the log by <see cref="FollowingRanges"/>.
    /// </summary>
    private AppendResult AppendLocked(Memory<byte> batches, List<(int Start, int Size)> ranges, LogConfig config, bool asLeader)
    {
        long first = _logEndOffset;
        long appendTime = asLeader && config.LogAppendTime ? NowMs : -1;
        int records = 0;
        try
        {
            foreach (var (start, size) in ranges)
            {
                var bytes = batches.Slice(start, size);
                if (asLeader)
                {
                    RecordBatch.SetBaseOffset(bytes.Span, _logEndOffset);
                    RecordBatch.SetPartitionLeaderEpoch(bytes.Span, LeaderEpoch);
                    if (appendTime >= 0)
                    {
                        RecordBatch.SetLogAppendTime(bytes.Span, appendTime);
                    }
                }
                var batch = new RecordBatch(bytes);
                if (NeedsRoll(_segments[^1], batch, config))
                {
                    RollLocked();
                }
                _segments[^1].Append(bytes.Span, batch.BaseOffset, batch.LastOffset, batch.MaxTimestamp);
                _producers.Apply(batch);
                _epochs.Assign(batch.PartitionLeaderEpoch, batch.BaseOffset); // a no-op unless the epoch is new
                LeaderEpoch = Math.Max(LeaderEpoch, batch.PartitionLeaderEpoch);
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

    /// <summary>The ranges of a follower's append that are new: those wholly below the log end are dropped, and the rest must run on from it without a gap.</summary>
    private List<(int Start, int Size)> FollowingRanges(Memory<byte> batches, List<(int Start, int Size)> ranges)
    {
        var following = new List<(int Start, int Size)>(ranges.Count);
        long expected = _logEndOffset;
        foreach (var range in ranges)
        {
            var batch = new RecordBatch(batches.Slice(range.Start, range.Size));
            if (following.Count == 0 && batch.LastOffset < expected)
            {
                continue;
            }
            if (batch.BaseOffset != expected)
            {
                throw new ReplicaMismatchException($"{Name}: a replicated batch starts at offset {batch.BaseOffset}, but the log continues at {expected}; nothing was appended");
            }
            following.Add(range);
            expected = batch.LastOffset + 1;
        }
        return following;
    }

    /// <summary>Meets the flush policy's part that must happen under the write lock; true when the acknowledgement waits for a group commit.</summary>
    private bool MeetFlushPolicyLocked(LogConfig config)
    {
        switch (config.FlushPolicy)
        {
            case FlushPolicy.Fsync:
                FlushLocked();
                return false;
            case FlushPolicy.Group:
                return true;
            case FlushPolicy.Interval: // the flush timer fsyncs, outside this lock
                return false;
            case FlushPolicy.Os:
                return false;
            default:
                throw new InvalidOperationException($"unknown flush policy {config.FlushPolicy}");
        }
    }

    /// <summary>Wakes readers, then acknowledges the append when it is as durable as the policy says.</summary>
    private ValueTask<AppendResult> Acknowledge(AppendResult result, bool waitForGroupCommit)
    {
        Interlocked.Exchange(ref _appended, NewSignal()).TrySetResult();
        return waitForGroupCommit
            ? AwaitDurable(_groupCommitter.WaitDurableAsync(result.LastOffset + 1), result)
            : ValueTask.FromResult(result);
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
