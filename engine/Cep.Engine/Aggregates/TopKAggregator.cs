namespace Cep.Engine.Aggregates;

/// <summary>
/// The k largest values of a field, largest first (equal values all count, so a value seen
/// twice can fill two places). The accumulator is a min-heap of at most k values: an add costs
/// O(log k) and a value not above the heap's smallest is dropped at once. Merge pours the
/// smaller heap into the larger and returns that one, so its inputs must not be used after.
/// Immutable; the heaps it creates belong to the calling operator.
/// </summary>
public readonly struct TopKAggregator<T, TValue> : IAggregator<T, PriorityQueue<TValue, TValue>, IReadOnlyList<TValue>>
    where TValue : IComparable<TValue>
{
    private readonly Func<T, TValue> _selector;
    private readonly int _k;

    public TopKAggregator(Func<T, TValue> selector, int k)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        _selector = selector;
        _k = k;
    }

    public PriorityQueue<TValue, TValue> Create() => new(Math.Min(_k, 16));

    public void Add(ref PriorityQueue<TValue, TValue> accumulator, T value) => Offer(accumulator, _selector(value));

    public PriorityQueue<TValue, TValue> Merge(PriorityQueue<TValue, TValue> left, PriorityQueue<TValue, TValue> right)
    {
        var (into, from) = left.Count >= right.Count ? (left, right) : (right, left);
        foreach (var (value, _) in from.UnorderedItems)
        {
            Offer(into, value);
        }
        return into;
    }

    public IReadOnlyList<TValue> Result(PriorityQueue<TValue, TValue> accumulator)
    {
        var values = new TValue[accumulator.Count];
        int i = 0;
        foreach (var (value, _) in accumulator.UnorderedItems)
        {
            values[i++] = value;
        }
        Array.Sort(values, static (a, b) => b.CompareTo(a));
        return values;
    }

    private void Offer(PriorityQueue<TValue, TValue> heap, TValue value)
    {
        if (heap.Count < _k)
        {
            heap.Enqueue(value, value);
        }
        else if (value.CompareTo(heap.Peek()) > 0)
        {
            heap.DequeueEnqueue(value, value);
        }
    }
}
