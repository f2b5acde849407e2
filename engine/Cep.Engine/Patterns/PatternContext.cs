namespace Cep.Engine.Patterns;

/// <summary>
/// What an iterative condition sees besides the event: the events the partial match being
/// extended has bound so far, by step name, and the event's time. Valid only during the call
/// (the operator reuses it); copy what you need. Owned by one task thread.
/// </summary>
public sealed class PatternContext<T>
{
    private readonly IReadOnlyDictionary<string, int> _steps;
    private SharedBuffer<T>? _buffer;
    private int _node = -1;

    internal PatternContext(IReadOnlyDictionary<string, int> steps)
    {
        _steps = steps;
    }

    /// <summary>The event time of the event being tested.</summary>
    public long Timestamp { get; private set; }

    /// <summary>The events bound to step <paramref name="stepName"/> so far, oldest first (empty when none). Throws for a name the pattern does not have.</summary>
    public IReadOnlyList<T> Events(string stepName)
    {
        if (!_steps.TryGetValue(stepName, out int step))
        {
            throw new ArgumentException($"the pattern has no step '{stepName}'", nameof(stepName));
        }
        if (_buffer is null || _node < 0)
        {
            return [];
        }
        var events = new List<T>();
        for (int n = _node; n >= 0; n = _buffer.Previous(n))
        {
            if (_buffer.Step(n) == step)
            {
                events.Add(_buffer.Value(n));
            }
        }
        events.Reverse();
        return events;
    }

    internal void Set(SharedBuffer<T> buffer, int node, long timestamp)
    {
        _buffer = buffer;
        _node = node;
        Timestamp = timestamp;
    }
}
