namespace Cep.Benchmarks.Patterns;

/// <summary>Bytes allocated by this thread and collections run since <see cref="Start"/>: where the pattern path's time goes is mostly allocation. Owned by one thread.</summary>
internal readonly struct HeapWatch
{
    private readonly long _allocated;
    private readonly int _gen0;
    private readonly int _gen2;

    private HeapWatch(long allocated, int gen0, int gen2)
    {
        _allocated = allocated;
        _gen0 = gen0;
        _gen2 = gen2;
    }

    public long AllocatedBytes => GC.GetAllocatedBytesForCurrentThread() - _allocated;

    public int Gen0 => GC.CollectionCount(0) - _gen0;

    public int Gen2 => GC.CollectionCount(2) - _gen2;

    public static HeapWatch Start() => new(GC.GetAllocatedBytesForCurrentThread(), GC.CollectionCount(0), GC.CollectionCount(2));
}
