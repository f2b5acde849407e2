namespace Cep.Engine.Patterns;

/// <summary>
/// The events and bindings of partial matches (Flink CEP's SharedBuffer), one per operator:
/// every key's partial matches live in it, each key only holding the nodes its partial
/// matches end in. One buffer rather than one per key because the per-event cost is cache
/// misses: a new event and node go to the slot freed last (warm), where per-key arrays, free
/// lists and their headers were cold for every key touched.
/// Each event is stored once, however many partial matches bind it. A binding ("node") says
/// "event e was bound to step s, after node p": a partial match is just its last node, and its
/// events are the chain of predecessors. Branches share their common prefix, so a loop that
/// forks at every event adds one node per branch and event, never a copy of the events so far.
/// Because every node has exactly one predecessor, a path is unambiguous without Flink's Dewey
/// version numbers: a node is immutable once created, and a new branch is a new node.
/// <para>
/// Reference counts: a node is referenced by the partial matches and pending matches that end
/// in it and by the nodes whose predecessor it is; an event by the nodes that bind it. Dropping
/// the last reference frees the slot and releases its predecessor (and event) in turn, so state
/// shrinks as soon as partial matches are pruned. Releasing a free slot throws: a double release
/// is a bug and must not hide. Slots are integers into arrays, so the state can be written out
/// by id (for checkpoints) without object graphs. Free slots are chained through their
/// <c>References</c> field (the next free slot, −1 at the end; <c>Live</c> is false), so the
/// free lists cost no extra objects and the slot freed last is reused first.
/// </para>
/// Owned by one task thread.
/// </summary>
internal sealed class SharedBuffer<T>
{
    private const int InitialSlots = 4;

    // An emptied buffer bigger than this gives its arrays back (see TrimIfEmpty).
    private const int TrimAboveSlots = 4096;

    private EventSlot[] _events = new EventSlot[InitialSlots];
    private NodeSlot[] _nodes = new NodeSlot[InitialSlots];
    private int _freeEvent = -1;
    private int _freeNode = -1;
    private int _eventHigh;
    private int _nodeHigh;

    /// <summary>Events held (referenced by at least one node, or just added).</summary>
    public int EventCount { get; private set; }

    /// <summary>Bindings held.</summary>
    public int NodeCount { get; private set; }

    public bool IsEmpty => EventCount == 0 && NodeCount == 0;

    /// <summary>Slots allocated, events and nodes together (held or free).</summary>
    public int SlotCapacity => _events.Length + _nodes.Length;

    /// <summary>Stores an event with no references yet; the caller binds it or calls <see cref="ReleaseEventIfUnused"/>.</summary>
    public int AddEvent(in StreamItem<T> item, long sequence)
    {
        int slot = _freeEvent;
        if (slot >= 0)
        {
            _freeEvent = _events[slot].References;
        }
        else
        {
            slot = Grow(ref _events, ref _eventHigh);
        }
        _events[slot] = new EventSlot { Value = item.Value, Timestamp = item.Timestamp, Origin = item.Origin, Sequence = sequence, References = 0, Live = true };
        EventCount++;
        return slot;
    }

    /// <summary>Frees an event no node took.</summary>
    public void ReleaseEventIfUnused(int eventSlot)
    {
        ref var e = ref _events[eventSlot];
        if (e.Live && e.References == 0)
        {
            FreeEvent(eventSlot);
            TrimIfEmpty();
        }
    }

    /// <summary>Binds <paramref name="eventSlot"/> to <paramref name="step"/> after <paramref name="previous"/> (−1 for the first); the caller owns the one reference the node starts with.</summary>
    public int AddNode(int eventSlot, int step, int previous)
    {
        int slot = _freeNode;
        if (slot >= 0)
        {
            _freeNode = _nodes[slot].References;
        }
        else
        {
            slot = Grow(ref _nodes, ref _nodeHigh);
        }
        _nodes[slot] = new NodeSlot { Event = eventSlot, Step = step, Previous = previous, References = 1, Live = true };
        _events[eventSlot].References++;
        if (previous >= 0)
        {
            Retain(previous);
        }
        NodeCount++;
        return slot;
    }

    public void Retain(int node)
    {
        ref var n = ref _nodes[node];
        if (!n.Live)
        {
            throw new InvalidOperationException($"retain of freed node {node}");
        }
        n.References++;
    }

    /// <summary>Drops one reference; the last one frees the node and releases its predecessor and event.</summary>
    public void Release(int node)
    {
        // Iterative, not recursive: a long loop is a long chain.
        while (node >= 0)
        {
            ref var n = ref _nodes[node];
            if (!n.Live || n.References <= 0)
            {
                throw new InvalidOperationException($"release of freed node {node}");
            }
            if (--n.References > 0)
            {
                break;
            }
            int previous = n.Previous;
            int eventSlot = n.Event;
            n = default;
            n.References = _freeNode;
            _freeNode = node;
            NodeCount--;
            if (--_events[eventSlot].References == 0)
            {
                FreeEvent(eventSlot);
            }
            node = previous;
        }
        TrimIfEmpty();
    }

    public int Step(int node) => _nodes[node].Step;

    public int Previous(int node) => _nodes[node].Previous;

    public T Value(int node) => _events[_nodes[node].Event].Value;

    public long Timestamp(int node) => _events[_nodes[node].Event].Timestamp;

    public long Sequence(int node) => _events[_nodes[node].Event].Sequence;

    public EventOrigin Origin(int node) => _events[_nodes[node].Event].Origin;

    /// <summary>The chain ending at <paramref name="node"/>, first binding first.</summary>
    public int[] Path(int node)
    {
        int length = 0;
        for (int n = node; n >= 0; n = _nodes[n].Previous)
        {
            length++;
        }
        var path = new int[length];
        for (int n = node, i = length - 1; n >= 0; n = _nodes[n].Previous, i--)
        {
            path[i] = n;
        }
        return path;
    }

    /// <summary>
    /// The arrays only grow while anything is held (slots are addressed by index), so a burst
    /// would keep its peak capacity for ever; once everything is released they are given back.
    /// </summary>
    private void TrimIfEmpty()
    {
        if (NodeCount == 0 && EventCount == 0 && _events.Length + _nodes.Length > TrimAboveSlots)
        {
            _events = new EventSlot[InitialSlots];
            _nodes = new NodeSlot[InitialSlots];
            _eventHigh = _nodeHigh = 0;
            _freeEvent = _freeNode = -1;
        }
    }

    private void FreeEvent(int slot)
    {
        ref var e = ref _events[slot];
        e = default; // drops the value so it can be collected
        e.References = _freeEvent;
        _freeEvent = slot;
        EventCount--;
    }

    private static int Grow<TSlot>(ref TSlot[] slots, ref int high)
    {
        if (high == slots.Length)
        {
            Array.Resize(ref slots, slots.Length * 2);
        }
        return high++;
    }

    private struct EventSlot
    {
        public T Value;
        public long Timestamp;
        public EventOrigin Origin;
        public long Sequence;
        public int References;
        public bool Live;
    }

    private struct NodeSlot
    {
        public int Event;
        public int Step;
        public int Previous;
        public int References;
        public bool Live;
    }
}
