using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using K4os.Compression.LZ4;
using K4os.Compression.LZ4.Streams;
using Snappier;
using ZstdSharp;

namespace Cep.Storage.Records;

/// <summary>
/// Compresses and decompresses the records section of a batch the way Kafka clients do:
/// gzip streams, snappy (raw, or xerial-framed as the Java client writes it), LZ4 frames
/// and zstd frames (with or without a content size). Thread-safe (no shared state).
/// </summary>
public static class CompressionCodec
{
    // xerial snappy-java stream header: magic, then version and compatible version (int32 BE each).
    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];
    private const int XerialHeaderSize = 16;
    private const int XerialBlockSize = 32 * 1024;

    public static byte[] Compress(CompressionType type, ReadOnlySpan<byte> data)
    {
        switch (type)
        {
            case CompressionType.None:
                return data.ToArray();
            case CompressionType.Gzip:
                return CompressGzip(data);
            case CompressionType.Snappy:
                return CompressXerialSnappy(data);
            case CompressionType.Lz4:
                return LZ4Frame.Encode(data, new ArrayBufferWriter<byte>(data.Length / 2 + 64), LZ4Level.L00_FAST).WrittenSpan.ToArray();
            case CompressionType.Zstd:
                using (var compressor = new Compressor(3))
                {
                    return compressor.Wrap(data).ToArray();
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unknown compression type");
        }
    }

    /// <summary>Decompresses <paramref name="data"/>; malformed input throws <see cref="CorruptRecordException"/>.</summary>
    public static byte[] Decompress(CompressionType type, ReadOnlyMemory<byte> data)
    {
        try
        {
            switch (type)
            {
                case CompressionType.None:
                    return data.ToArray();
                case CompressionType.Gzip:
                    return DecompressStream(new GZipStream(AsStream(data), CompressionMode.Decompress));
                case CompressionType.Snappy:
                    return DecompressSnappy(data.Span);
                case CompressionType.Lz4:
                    return LZ4Frame.Decode(data.Span, new ArrayBufferWriter<byte>(data.Length * 4 + 64)).WrittenSpan.ToArray();
                case CompressionType.Zstd:
                    return DecompressStream(new DecompressionStream(AsStream(data)));
                default:
                    throw new CorruptRecordException($"unknown compression codec {(int)type}");
            }
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or IOException or ArgumentException or ZstdException or IndexOutOfRangeException)
        {
            throw new CorruptRecordException($"cannot decompress {type} records: {e.Message}", e);
        }
    }

    private static byte[] CompressGzip(ReadOnlySpan<byte> data)
    {
        var output = new MemoryStream(data.Length / 2 + 64);
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    private static byte[] CompressXerialSnappy(ReadOnlySpan<byte> data)
    {
        var output = new MemoryStream(data.Length / 2 + 64);
        Span<byte> header = stackalloc byte[XerialHeaderSize];
        XerialMagic.CopyTo(header);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], 1);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], 1);
        output.Write(header);
        byte[] block = new byte[Snappy.GetMaxCompressedLength(XerialBlockSize)];
        Span<byte> length = stackalloc byte[4];
        for (int start = 0; start < data.Length; start += XerialBlockSize)
        {
            var chunk = data.Slice(start, Math.Min(XerialBlockSize, data.Length - start));
            int written = Snappy.Compress(chunk, block);
            BinaryPrimitives.WriteInt32BigEndian(length, written);
            output.Write(length);
            output.Write(block, 0, written);
        }
        return output.ToArray();
    }

    private static byte[] DecompressSnappy(ReadOnlySpan<byte> data)
    {
        if (data.Length < XerialHeaderSize || !data[..XerialMagic.Length].SequenceEqual(XerialMagic))
        {
            return Snappy.DecompressToArray(data);
        }
        var output = new MemoryStream(data.Length * 3);
        var rest = data[XerialHeaderSize..];
        while (rest.Length > 0)
        {
            if (rest.Length < 4)
            {
                throw new CorruptRecordException("xerial snappy block length is cut short");
            }
            int blockLength = BinaryPrimitives.ReadInt32BigEndian(rest);
            if (blockLength < 0 || blockLength > rest.Length - 4)
            {
                throw new CorruptRecordException($"xerial snappy block of {blockLength} bytes runs past the end of the batch");
            }
            output.Write(Snappy.DecompressToArray(rest.Slice(4, blockLength)));
            rest = rest[(4 + blockLength)..];
        }
        return output.ToArray();
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> data) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    private static byte[] DecompressStream(Stream decoder)
    {
        using (decoder)
        {
            var output = new MemoryStream();
            decoder.CopyTo(output);
            return output.ToArray();
        }
    }
}
