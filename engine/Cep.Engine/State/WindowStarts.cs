namespace Cep.Engine.State;

/// <summary>The ordered starts of the windows a window store holds, so the oldest is found without visiting the rest. Owned by one task.</summary>
internal sealed class WindowStarts
{
    private readonly SortedSet<long> _starts = [];

    public void Add(long start) => _starts.Add(start);

    public void Remove(long start) => _starts.Remove(start);

    public bool TryGetOldest(out long start)
    {
        if (_starts.Count == 0)
        {
            start = 0;
            return false;
        }
        start = _starts.Min;
        return true;
    }
}
