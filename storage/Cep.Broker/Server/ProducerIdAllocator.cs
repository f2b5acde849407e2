using System.Globalization;

namespace Cep.Broker.Server;

/// <summary>
/// Hands out idempotent producers' ids, never the same one twice, across restarts too: ids are
/// taken in blocks whose upper end is written (and fsynced) to <c>&lt;data&gt;/broker/producer-ids</c>
/// before any id of the block is given out, so a crash skips at most the rest of a block. Ids
/// start at 2^40, far from the engine's own (hashed) producer ids; in a cluster each broker
/// takes them from its own range of 2^32 (2^40 + node id × 2^32), so two brokers never give
/// out the same id. Thread-safe.
/// </summary>
public sealed class ProducerIdAllocator(string dataDirectory, int nodeId = 0)
{
    private const long BlockSize = 1000;

    private readonly long _firstId = (1L << 40) + ((long)nodeId << 32);

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
                long start = File.Exists(_path) ? long.Parse(File.ReadAllText(_path), CultureInfo.InvariantCulture) : _firstId;
                Persist(start + BlockSize);
                (_next, _blockEnd) = (start, start + BlockSize);
            }
            return _next++;
        }
    }

    private void Persist(long blockEnd)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        Cep.Storage.IO.DurableFile.Replace(_path, System.Text.Encoding.ASCII.GetBytes(blockEnd.ToString(CultureInfo.InvariantCulture)));
    }
}
