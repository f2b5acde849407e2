namespace Cep.Storage.Topics;

/// <summary>
/// Kafka's default key partitioner: murmur2 (seed 0x9747b28c) of the key bytes, made
/// positive by masking the sign bit, modulo the partition count. The same function as the
/// Java client and librdkafka's "murmur2" partitioner, so a key lands in the same partition
/// whoever produces it. Thread-safe (pure).
/// </summary>
public static class Murmur2Partitioner
{
    public static int Partition(ReadOnlySpan<byte> key, int partitionCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitionCount, 1);
        return (Hash(key) & 0x7fffffff) % partitionCount;
    }

    public static int Hash(ReadOnlySpan<byte> data)
    {
        const uint M = 0x5bd1e995;
        const int R = 24;
        uint h = 0x9747b28c ^ (uint)data.Length;
        int length4 = data.Length / 4;
        for (int i = 0; i < length4; i++)
        {
            int i4 = i * 4;
            uint k = data[i4] | (uint)data[i4 + 1] << 8 | (uint)data[i4 + 2] << 16 | (uint)data[i4 + 3] << 24;
            k *= M;
            k ^= k >> R;
            k *= M;
            h *= M;
            h ^= k;
        }
        int tail = length4 * 4;
        switch (data.Length % 4)
        {
            case 3:
                h ^= (uint)data[tail + 2] << 16;
                goto case 2;
            case 2:
                h ^= (uint)data[tail + 1] << 8;
                goto case 1;
            case 1:
                h ^= data[tail];
                h *= M;
                break;
        }
        h ^= h >> 13;
        h *= M;
        h ^= h >> 15;
        return (int)h;
    }
}
