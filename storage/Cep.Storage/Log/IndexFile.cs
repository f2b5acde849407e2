namespace Cep.Storage.Log;

/// <summary>
/// The file under a sparse index: fixed-size big-endian entries, appended in order, no
/// header and no checksum (an index is rebuilt from its segment whenever it looks wrong).
/// Writes go through a small buffer and reach the OS on <see cref="Flush"/>. Owned by the
/// index that holds it, which serializes calls.
/// </summary>
internal sealed class IndexFile : IDisposable
{
    private readonly FileStream _stream;

    public IndexFile(string path)
    {
        Path = path;
        _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, bufferSize: 4096);
        _stream.Seek(0, SeekOrigin.End);
    }

    public string Path { get; }

    public byte[] ReadAll()
    {
        _stream.Flush();
        var bytes = new byte[_stream.Length];
        _stream.Seek(0, SeekOrigin.Begin);
        _stream.ReadExactly(bytes);
        _stream.Seek(0, SeekOrigin.End);
        return bytes;
    }

    public void Append(ReadOnlySpan<byte> entry) => _stream.Write(entry);

    public void SetLength(long length)
    {
        _stream.Flush();
        _stream.SetLength(length);
        _stream.Seek(0, SeekOrigin.End);
    }

    public void Flush(bool toDisk) => _stream.Flush(toDisk);

    public void Dispose() => _stream.Dispose();
}
