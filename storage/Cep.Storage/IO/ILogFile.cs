namespace Cep.Storage.IO;

/// <summary>
/// The bytes of one segment's .log file. The log writes through this interface only, so
/// tests can swap in a file that fails like a full or broken disk.
/// Thread-safety: <see cref="Append"/>, <see cref="Truncate"/> and <see cref="Flush"/> are
/// called by the partition's single writer; <see cref="Read"/> may run concurrently with them
/// for positions below the length observed before the call.
/// </summary>
public interface ILogFile : IDisposable
{
    string Path { get; }

    long Length { get; }

    /// <summary>Writes <paramref name="data"/> at the end. On failure the length is unchanged.</summary>
    void Append(ReadOnlySpan<byte> data);

    /// <summary>Reads up to destination's length at <paramref name="position"/>; returns the count read.</summary>
    int Read(long position, Span<byte> destination);

    /// <summary>Makes every byte appended before the call durable. May run on a flusher thread concurrently with <see cref="Append"/>.</summary>
    void Flush();

    void Truncate(long length);
}
