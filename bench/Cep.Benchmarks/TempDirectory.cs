namespace Cep.Benchmarks;

/// <summary>A fresh directory under /tmp, deleted (with everything in it) on dispose. Owned by one thread.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string label)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cep-bench-{label}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A straggling handle (e.g. a FASTER device closing asynchronously) must not fail
            // a finished measurement; the name is unique, so nothing else trips over it.
        }
    }
}
