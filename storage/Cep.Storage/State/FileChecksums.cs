using Cep.Storage.Records;

namespace Cep.Storage.State;

/// <summary>
/// Size and CRC-32C of files, computed in 1 MiB reads. A RocksDB table file (<c>*.sst</c>) is
/// never changed once written and its number is never reused, so when <c>remember</c> is set
/// its checksum is kept by name: consecutive checkpoints hard-link mostly the same tables and
/// only new ones are read. Verification uses a fresh instance, so it always reads the bytes.
/// Owned by one task.
/// </summary>
internal sealed class FileChecksums(bool remember)
{
    private readonly Dictionary<string, (long Size, uint Crc)> _tables = new(StringComparer.Ordinal);

    public (long Size, uint Crc) Of(string path)
    {
        string name = Path.GetFileName(path);
        bool table = remember && name.EndsWith(".sst", StringComparison.Ordinal);
        if (table && _tables.TryGetValue(name, out var known))
        {
            return known;
        }
        var computed = Compute(path);
        if (table)
        {
            _tables[name] = computed;
        }
        return computed;
    }

    /// <summary>Forgets tables no longer in any checkpoint.</summary>
    public void Retain(IReadOnlySet<string> names)
    {
        foreach (string name in _tables.Keys.Where(n => !names.Contains(n)).ToList())
        {
            _tables.Remove(name);
        }
    }

    private static (long Size, uint Crc) Compute(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        byte[] buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            uint crc = ~0u;
            long size = 0;
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                crc = Crc32C.Update(crc, buffer.AsSpan(0, read));
                size += read;
            }
            return (size, ~crc);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
