using Cep.Storage.IO;
using Cep.Storage.Records;

namespace Cep.Storage.Log;

/// <summary>
/// One segment of a partition: <c>&lt;base offset, 20 digits&gt;.log</c> holding whole record
/// batches back to back, with its sparse <see cref="OffsetIndex"/> (<c>.index</c>) and
/// <see cref="TimeIndex"/> (<c>.timeindex</c>). The log file is the truth; indexes are
/// rebuilt from it whenever they fail their sanity check.
/// Thread-safety: appends, truncation, recovery and retirement come from the partition's
/// single writer; reads run concurrently between <see cref="TryAcquire"/> and
/// <see cref="Release"/>, which keep the files open until the last reader leaves.
/// </summary>
internal sealed class LogSegment
{
    private readonly ILogFile _log;
    private readonly OffsetIndex _offsetIndex;
    private readonly TimeIndex _timeIndex;
    private readonly int _indexIntervalBytes;
    private int _bytesSinceIndexEntry;
    private long _nextOffset;
    private long _maxTimestamp = -1;
    private long _lastBatchBaseOffset = -1;
    private long _firstBatchTimestamp = -1;
    private int _references = 1;

    public LogSegment(string directory, long baseOffset, int indexIntervalBytes, Func<string, ILogFile> openLogFile)
    {
        BaseOffset = baseOffset;
        _indexIntervalBytes = indexIntervalBytes;
        _nextOffset = baseOffset;
        _log = openLogFile(Path.Combine(directory, FileName(baseOffset, ".log")));
        _offsetIndex = new OffsetIndex(Path.Combine(directory, FileName(baseOffset, ".index")), baseOffset);
        _timeIndex = new TimeIndex(Path.Combine(directory, FileName(baseOffset, ".timeindex")), baseOffset);
    }

    public long BaseOffset { get; }

    /// <summary>One past the last offset stored here; <see cref="BaseOffset"/> when empty.</summary>
    public long NextOffset => Volatile.Read(ref _nextOffset);

    public long Size => _log.Length;

    public string LogPath => _log.Path;

    /// <summary>Largest record timestamp in the segment, −1 when empty.</summary>
    public long MaxTimestamp => Volatile.Read(ref _maxTimestamp);

    /// <summary>Max timestamp of the first batch: the clock a time-based roll runs on (as in Kafka).</summary>
    public long FirstBatchTimestamp => _firstBatchTimestamp;

    public static string FileName(long baseOffset, string extension) => $"{baseOffset:D20}{extension}";

    /// <summary>A new, empty segment; files left at that base offset (by a truncation or deletion) are removed first.</summary>
    public static LogSegment Create(string directory, long baseOffset, int indexIntervalBytes, Func<string, ILogFile> openLogFile)
    {
        DeleteFiles(directory, baseOffset);
        return new LogSegment(directory, baseOffset, indexIntervalBytes, openLogFile);
    }

    /// <summary>Parses a base offset from a file name like 00000000000000000042.log.</summary>
    public static bool TryParseBaseOffset(string fileName, out long baseOffset)
    {
        string name = Path.GetFileNameWithoutExtension(fileName);
        return long.TryParse(name, System.Globalization.NumberStyles.None, null, out baseOffset) && name.Length == 20;
    }

    public void Append(ReadOnlySpan<byte> batch, long baseOffset, long lastOffset, long maxTimestamp)
    {
        long position = _log.Length;
        _log.Append(batch);
        Track(batch.Length, (int)position, baseOffset, lastOffset, maxTimestamp);
    }

    /// <summary>
    /// Opens an existing segment.
    /// <list type="bullet">
    /// <item><see cref="SegmentLoad.Trusted"/>: indexes are loaded (rebuilt from batch headers if they
    /// fail their check); batches are not CRC-checked and nothing is cut, because the segment is
    /// known durable: corruption there is reported by readers and <c>log verify</c>, never
    /// silently removed.</item>
    /// <item><see cref="SegmentLoad.CheckTail"/>: as trusted, but the batches after the last index
    /// entry are CRC-checked and a bad tail is cut.</item>
    /// <item><see cref="SegmentLoad.Recover"/>: every batch is CRC-checked from the start,
    /// indexes rebuilt, and the first bad batch and everything after it cut.</item>
    /// </list>
    /// Returns the bytes cut.
    /// </summary>
    public long Load(SegmentLoad mode)
    {
        long logLength = _log.Length;
        bool active = mode != SegmentLoad.Trusted;
        long cut;
        if (mode != SegmentLoad.Recover && _offsetIndex.TryLoad(logLength) && _timeIndex.TryLoad(long.MaxValue))
        {
            _maxTimestamp = Math.Max(-1, _timeIndex.LastTimestamp);
            _firstBatchTimestamp = ReadFirstBatchTimestamp();
            cut = ValidateFrom(_offsetIndex.LastPosition, _offsetIndex.Count == 0 ? BaseOffset : _offsetIndex.LastOffset, checkAndCut: active);
        }
        else
        {
            _offsetIndex.Clear();
            _timeIndex.Clear();
            _maxTimestamp = -1;
            _firstBatchTimestamp = -1;
            cut = ValidateFrom(0, BaseOffset, checkAndCut: active);
        }
        // Entries rebuilt by the scan reach the files now, not at the next roll.
        _offsetIndex.Flush(toDisk: false);
        _timeIndex.Flush(toDisk: false);
        return cut;
    }

    /// <summary>
    /// Reads whole batches starting with the one that holds <paramref name="startOffset"/>,
    /// up to <paramref name="maxBytes"/> (but always at least one whole batch, so a batch
    /// larger than the limit still makes progress). Reads into <paramref name="buffer"/> when
    /// it is large enough, else into a new array. Empty when the offset is past the end.
    /// </summary>
    public ReadOnlyMemory<byte> Read(long startOffset, int maxBytes, Memory<byte> buffer = default)
    {
        long end = _log.Length;
        long start = FindBatchPosition(startOffset, end);
        if (start < 0 || end - start < RecordBatch.HeaderSize)
        {
            return ReadOnlyMemory<byte>.Empty;
        }
        Span<byte> header = stackalloc byte[RecordBatch.HeaderSize];
        ReadHeader(start, header);
        RecordBatch.TryReadSize(header, out int firstSize);
        int length = (int)Math.Min(end - start, Math.Max(maxBytes, firstSize));
        var destination = buffer.Length >= length ? buffer[..length] : GC.AllocateUninitializedArray<byte>(length);
        int read = _log.Read(start, destination.Span);
        return destination[..WholeBatchesLength(destination.Span[..read])];
    }

    /// <summary>The first offset here whose record timestamp is ≥ <paramref name="timestamp"/>, or null.</summary>
    public long? FindOffsetByTimestamp(long timestamp)
    {
        if (MaxTimestamp < timestamp)
        {
            return null;
        }
        long end = _log.Length;
        long position = FindBatchPosition(_timeIndex.Lookup(timestamp), end);
        Span<byte> header = stackalloc byte[RecordBatch.HeaderSize];
        while (position >= 0 && end - position >= RecordBatch.HeaderSize)
        {
            ReadHeader(position, header);
            int size = CheckedSize(header, position);
            if (RecordBatch.ReadMaxTimestamp(header) >= timestamp)
            {
                var bytes = new byte[size];
                _log.Read(position, bytes);
                foreach (var record in new RecordBatch(bytes))
                {
                    if (record.Timestamp >= timestamp)
                    {
                        return record.Offset;
                    }
                }
            }
            position += size;
        }
        return null;
    }

    /// <summary>Removes every batch whose last offset is ≥ <paramref name="offset"/>; returns bytes cut.</summary>
    public long TruncateTo(long offset)
    {
        long end = _log.Length;
        long position = FindBatchPosition(offset, end);
        if (position < 0)
        {
            return 0;
        }
        _log.Truncate(position);
        _offsetIndex.Clear();
        _timeIndex.Clear();
        _maxTimestamp = -1;
        _firstBatchTimestamp = -1;
        ValidateFrom(0, BaseOffset, checkAndCut: false);
        return end - position;
    }

    /// <summary>Every batch in order, validated, with its file position; stops with the reason at the first bad one.</summary>
    public IEnumerable<(long Position, RecordBatch Batch)> ReadBatches()
    {
        long position = 0;
        long end = _log.Length;
        while (position < end)
        {
            var batch = ReadBatchAt(position, end, out string? problem);
            if (batch is null)
            {
                throw new CorruptRecordException($"segment {LogPath} at position {position}: {problem}");
            }
            batch.Value.Validate();
            yield return (position, batch.Value);
            position += batch.Value.SizeInBytes;
        }
    }

    /// <summary>
    /// The header of every batch from the one holding <paramref name="fromOffset"/> on, each as a
    /// header-only view: its header fields are right, its records and size are not there. Trusts
    /// the framing (the segment was loaded, so its tail was checked); for state that lives in
    /// batch headers, such as the producer table.
    /// </summary>
    public IEnumerable<RecordBatch> ReadBatchHeaders(long fromOffset)
    {
        long end = _log.Length;
        long position = FindBatchPosition(fromOffset, end);
        while (position >= 0 && end - position >= RecordBatch.HeaderSize)
        {
            var header = new byte[RecordBatch.HeaderSize];
            ReadHeader(position, header);
            yield return new RecordBatch(header);
            position += CheckedSize(header, position);
        }
    }

    /// <summary>
    /// Checks the indexes against the log: every offset-index entry must point at the start of
    /// the batch it names, every time-index entry at a batch start, within the segment.
    /// Yields one line per problem. Assumes the batches themselves were checked by <see cref="ReadBatches"/>.
    /// </summary>
    public IEnumerable<string> VerifyIndexes(IReadOnlyDictionary<long, long> batchStarts)
    {
        for (int i = 0; i < _offsetIndex.Count; i++)
        {
            var (offset, position) = _offsetIndex.EntryAt(i);
            if (!batchStarts.TryGetValue(offset, out long actual) || actual != position)
            {
                yield return $"{_offsetIndex.Path}: entry {i} maps offset {offset} to position {position}, but no batch with that base offset starts there";
            }
        }
        for (int i = 0; i < _timeIndex.Count; i++)
        {
            var (timestamp, offset) = _timeIndex.EntryAt(i);
            if (!batchStarts.ContainsKey(offset))
            {
                yield return $"{_timeIndex.Path}: entry {i} (timestamp {timestamp}) names offset {offset}, which is not the base offset of a batch";
            }
        }
    }

    /// <summary>
    /// Makes the log file durable: the acknowledgement path. Safe to call from a flusher thread
    /// while the writer appends (it does not touch the indexes, which are rebuilt after a crash).
    /// </summary>
    public void Flush() => _log.Flush();

    /// <summary>
    /// Makes the log file and both indexes durable: a segment behind the recovery point is
    /// trusted as it is on disk. Not concurrently with appends to this segment.
    /// </summary>
    public void FlushToDisk()
    {
        _log.Flush();
        _offsetIndex.Flush(toDisk: true);
        _timeIndex.Flush(toDisk: true);
    }

    /// <summary>Closes the segment for appends: records the final time-index entry. Durability is the caller's (a background flush after a roll).</summary>
    public void Seal()
    {
        if (_lastBatchBaseOffset >= 0)
        {
            _timeIndex.MaybeAppend(_maxTimestamp, _lastBatchBaseOffset);
        }
        _offsetIndex.Flush(toDisk: false);
        _timeIndex.Flush(toDisk: false);
    }

    public bool TryAcquire()
    {
        while (true)
        {
            int references = Volatile.Read(ref _references);
            if (references == 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _references, references + 1, references) == references)
            {
                return true;
            }
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _log.Dispose();
            _offsetIndex.Dispose();
            _timeIndex.Dispose();
        }
    }

    /// <summary>
    /// Takes the segment out of the log. With <paramref name="deleteFiles"/> its files are
    /// unlinked now (open readers keep reading the unlinked inode); without, they are left for
    /// whoever replaced them. Handles close when the last reader releases.
    /// </summary>
    public void Retire(bool deleteFiles)
    {
        if (deleteFiles)
        {
            DeleteFiles(Path.GetDirectoryName(LogPath)!, BaseOffset);
        }
        Release();
    }

    public static void DeleteFiles(string directory, long baseOffset)
    {
        foreach (string extension in new[] { ".log", ".index", ".timeindex" })
        {
            File.Delete(Path.Combine(directory, FileName(baseOffset, extension)));
        }
    }

    private void Track(int size, int position, long baseOffset, long lastOffset, long maxTimestamp)
    {
        if (_firstBatchTimestamp < 0)
        {
            _firstBatchTimestamp = maxTimestamp;
        }
        if (maxTimestamp > _maxTimestamp)
        {
            Volatile.Write(ref _maxTimestamp, maxTimestamp);
        }
        if (_bytesSinceIndexEntry >= _indexIntervalBytes && position > 0)
        {
            _offsetIndex.Append(baseOffset, position);
            _timeIndex.MaybeAppend(_maxTimestamp, baseOffset);
            _bytesSinceIndexEntry = 0;
        }
        _bytesSinceIndexEntry += size;
        _lastBatchBaseOffset = baseOffset;
        Volatile.Write(ref _nextOffset, lastOffset + 1);
    }

    /// <summary>
    /// Scans batches from <paramref name="position"/> on, indexing them. With
    /// <paramref name="checkAndCut"/> each batch's CRC is checked and the file is cut at the
    /// first bad one; without, the scan only stops at a header that cannot be a batch.
    /// </summary>
    private long ValidateFrom(long position, long expectedOffset, bool checkAndCut = true)
    {
        long end = _log.Length;
        _nextOffset = expectedOffset;
        _bytesSinceIndexEntry = _offsetIndex.Count == 0 ? 0 : _indexIntervalBytes;
        bool reindex = position == 0;
        while (position < end)
        {
            var batch = ReadBatchAt(position, end, out _);
            if (batch is null || !IsValid(batch.Value, expectedOffset, checkAndCut))
            {
                break;
            }
            var b = batch.Value;
            if (reindex || position > _offsetIndex.LastPosition)
            {
                Track(b.SizeInBytes, (int)position, b.BaseOffset, b.LastOffset, b.MaxTimestamp);
            }
            else
            {
                // The batch at the last index entry: already indexed, only the state moves on.
                _bytesSinceIndexEntry = 0;
                TrackWithoutIndex(b);
            }
            expectedOffset = b.LastOffset + 1;
            position += b.SizeInBytes;
        }
        long cut = checkAndCut ? end - position : 0;
        if (cut > 0)
        {
            _offsetIndex.TruncateToPosition((int)position);
            _timeIndex.TruncateToOffset(expectedOffset);
            _log.Truncate(position);
        }
        return cut;
    }

    private void TrackWithoutIndex(RecordBatch batch)
    {
        _bytesSinceIndexEntry += batch.SizeInBytes;
        if (batch.MaxTimestamp > _maxTimestamp)
        {
            _maxTimestamp = batch.MaxTimestamp;
        }
        _lastBatchBaseOffset = batch.BaseOffset;
        _nextOffset = batch.LastOffset + 1;
    }

    private static bool IsValid(RecordBatch batch, long expectedOffset, bool checkCrc)
    {
        if (checkCrc)
        {
            try
            {
                batch.Validate();
            }
            catch (CorruptRecordException)
            {
                return false;
            }
        }
        return batch.Magic == RecordBatch.CurrentMagic && batch.BaseOffset >= expectedOffset;
    }

    private RecordBatch? ReadBatchAt(long position, long end, out string? problem)
    {
        Span<byte> prefix = stackalloc byte[RecordBatch.LogOverhead];
        if (end - position < RecordBatch.HeaderSize || _log.Read(position, prefix) < prefix.Length)
        {
            problem = $"{end - position} trailing bytes are too few for a batch header";
            return null;
        }
        RecordBatch.TryReadSize(prefix, out int size);
        if (size < RecordBatch.HeaderSize || size > end - position)
        {
            problem = $"batch length {size - RecordBatch.LogOverhead} runs past the end of the segment ({end - position} bytes left)";
            return null;
        }
        var bytes = new byte[size];
        _log.Read(position, bytes);
        problem = null;
        return new RecordBatch(bytes);
    }

    private long ReadFirstBatchTimestamp()
    {
        if (_log.Length < RecordBatch.HeaderSize)
        {
            return -1;
        }
        Span<byte> header = stackalloc byte[RecordBatch.HeaderSize];
        ReadHeader(0, header);
        return RecordBatch.ReadMaxTimestamp(header);
    }

    private void ReadHeader(long position, Span<byte> header)
    {
        if (_log.Read(position, header) < header.Length)
        {
            throw new CorruptRecordException($"segment {LogPath}: batch header at position {position} is cut short");
        }
    }

    /// <summary>
    /// Position of the batch holding <paramref name="offset"/> (or the first after it), −1 if
    /// none. A fragment too short for a header (a torn write) counts as holding every offset.
    /// </summary>
    private long FindBatchPosition(long offset, long end)
    {
        long position = _offsetIndex.Lookup(offset);
        Span<byte> header = stackalloc byte[RecordBatch.HeaderSize];
        while (position < end)
        {
            if (end - position < RecordBatch.HeaderSize)
            {
                return position;
            }
            ReadHeader(position, header);
            if (RecordBatch.ReadLastOffset(header) >= offset)
            {
                return position;
            }
            position += CheckedSize(header, position);
        }
        return -1;
    }

    /// <summary>The batch size a header states; a size that cannot be a batch is corruption (and would stall a scan).</summary>
    private int CheckedSize(ReadOnlySpan<byte> header, long position)
    {
        RecordBatch.TryReadSize(header, out int size);
        return size >= RecordBatch.HeaderSize
            ? size
            : throw new CorruptRecordException($"segment {LogPath} at position {position}: batch length {size - RecordBatch.LogOverhead} is impossible");
    }

    private static int WholeBatchesLength(ReadOnlySpan<byte> buffer)
    {
        int length = 0;
        while (RecordBatch.TryReadSize(buffer[length..], out int size) && size <= buffer.Length - length)
        {
            length += size;
        }
        return length;
    }
}
