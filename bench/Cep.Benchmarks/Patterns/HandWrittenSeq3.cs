using System.Runtime.InteropServices;

namespace Cep.Benchmarks.Patterns;

/// <summary>
/// The pattern-seq3 peer: what a .NET developer writes on plain Rx for "A, then the next B, then
/// the next C of the same key, within the window": a Dictionary from key to that key's open
/// sequences (start time, stage), pruned by the event's own time (assumes in-order events, no
/// watermarks, no side outputs, no match payload). Every A opens a sequence, as ours does with
/// the default no-skip strategy, so both count the same matches. Keys with nothing open are
/// removed (lists pooled), so its state stays bounded as ours does. Owned by one thread.
/// </summary>
internal sealed class HandWrittenSeq3(long windowMs) : IObserver<Tick>
{
    private readonly Dictionary<int, List<Open>> _open = [];
    private readonly Stack<List<Open>> _pool = new();

    public long Matches { get; private set; }

    public void OnNext(Tick tick)
    {
        ref var list = ref CollectionsMarshal.GetValueRefOrNullRef(_open, tick.Key);
        bool exists = !System.Runtime.CompilerServices.Unsafe.IsNullRef(ref list);
        if (!exists)
        {
            if (tick.Kind != 'A')
            {
                return;
            }
            var fresh = _pool.Count > 0 ? _pool.Pop() : [];
            fresh.Add(new Open(tick.Timestamp, 1));
            _open.Add(tick.Key, fresh);
            return;
        }
        var open = list;
        int kept = 0;
        for (int i = 0; i < open.Count; i++)
        {
            var o = open[i];
            if (tick.Timestamp - o.Start >= windowMs)
            {
                continue; // the window ended
            }
            if (o.Stage == 1 && tick.Kind == 'B')
            {
                o = o with { Stage = 2 };
            }
            else if (o.Stage == 2 && tick.Kind == 'C')
            {
                Matches++;
                continue;
            }
            open[kept++] = o;
        }
        open.RemoveRange(kept, open.Count - kept);
        if (tick.Kind == 'A')
        {
            open.Add(new Open(tick.Timestamp, 1));
        }
        if (open.Count == 0)
        {
            _open.Remove(tick.Key);
            _pool.Push(open);
        }
    }

    public void OnError(Exception error) => throw error;

    public void OnCompleted()
    {
    }

    private readonly record struct Open(long Start, int Stage);
}
