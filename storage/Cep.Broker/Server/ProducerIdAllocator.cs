using System.Globalization;

namespace Cep.Broker.Server;

/// <summary>
/// Hands out idempotent producers' ids, never the same one twice, across restarts too: ids are
/// taken in blocks whose upper end is written (and fsynced) to <c>&lt;data&gt;/broker/producer-ids</c>
/// before any id of the block is given out, so a crash skips at most the rest of a block. Ids
/// start at 2^40, far from the engine's own (hashed) producer ids. Thread-safe.
/// </summary>
public sealed class ProducerIdAllocator(string dataDirectory)
{
    private const long FirstId = 1L << 40;
    private const long BlockSize = 1000;

    private readonly Lock _lock = new();
    private readonly string _path = Path.Combine(dataDirectory, "broker", "producer-ids");
    private long _next;
    private long _blockEnd;

    public long Next()
    {
        lock (_lock)
        {
            if (_next == _blockEnd)
            {
                long start = File.Exists(_path) ? long.Parse(File.ReadAllText(_path), CultureInfo.InvariantCulture) : FirstId;
                Persist(start + BlockSize);
                (_next, _blockEnd) = (start, start + BlockSize);
            }
            return _next++;
        }
    }

    private void Persist(long blockEnd)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        string temporary = _path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(blockEnd.ToString(CultureInfo.InvariantCulture)));
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, _path, overwrite: true);
    }
}
