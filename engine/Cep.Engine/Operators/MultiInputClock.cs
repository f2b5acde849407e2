namespace Cep.Engine.Operators;

/// <summary>
/// The punctuation bookkeeping of an operator with several inputs (Merge, the joins): each
/// input's watermark, how many inputs have sent each barrier, and which have completed.
/// <list type="bullet">
/// <item>The combined watermark is the minimum over the inputs, reported only when it rises. An
/// input that has sent none holds it at long.MinValue; one that has completed sends no more
/// events, so it counts as long.MaxValue and stops holding the others back.</item>
/// <item>A barrier is reported once as many inputs as there are have sent it (each input sends
/// each checkpoint id once).</item>
/// </list>
/// Owned by one task (the graph is single-threaded).
/// </summary>
internal sealed class MultiInputClock
{
    private readonly long[] _watermarks;
    private readonly bool[] _completed;
    private readonly Dictionary<long, int> _barriers = [];
    private int _completedCount;

    public MultiInputClock(int inputs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        _watermarks = new long[inputs];
        Array.Fill(_watermarks, long.MinValue);
        _completed = new bool[inputs];
    }

    /// <summary>The combined watermark: long.MinValue until every input has sent one.</summary>
    public long Watermark { get; private set; } = long.MinValue;

    public bool AllCompleted => _completedCount == _watermarks.Length;

    /// <summary>Records an input's watermark; true when the combined <see cref="Watermark"/> rose.</summary>
    public bool OnWatermark(int input, long watermark)
    {
        if (watermark <= _watermarks[input])
        {
            return false;
        }
        _watermarks[input] = watermark;
        return Recompute();
    }

    /// <summary>Counts a barrier; true when the last input has sent it, so it may pass.</summary>
    public bool OnBarrier(long checkpointId)
    {
        int seen = _barriers.GetValueOrDefault(checkpointId) + 1;
        if (seen == _watermarks.Length)
        {
            _barriers.Remove(checkpointId);
            return true;
        }
        _barriers[checkpointId] = seen;
        return false;
    }

    /// <summary>
    /// Marks an input complete; true when that let the combined <see cref="Watermark"/> rise
    /// while other inputs still run. Once all have completed, check <see cref="AllCompleted"/>
    /// (the watermark then stays where it was: completion itself closes everything).
    /// </summary>
    public bool OnCompleted(int input)
    {
        if (_completed[input])
        {
            return false;
        }
        _completed[input] = true;
        _completedCount++;
        _watermarks[input] = long.MaxValue;
        return !AllCompleted && Recompute();
    }

    private bool Recompute()
    {
        long min = long.MaxValue;
        foreach (long watermark in _watermarks)
        {
            min = Math.Min(min, watermark);
        }
        if (min <= Watermark)
        {
            return false;
        }
        Watermark = min;
        return true;
    }
}
