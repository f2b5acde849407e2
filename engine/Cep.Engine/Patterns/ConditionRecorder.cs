namespace Cep.Engine.Patterns;

/// <summary>
/// Collects the condition tests of one event for an explain trace. The stepper calls it only
/// when one is passed in (explain enabled for the key), so matching without explain pays one
/// null check per test. Reused across events: <see cref="Take"/> hands the checks over and
/// starts empty again. Owned by one task thread.
/// </summary>
internal sealed class ConditionRecorder<T>(NfaStep<T>[] steps)
{
    private List<ConditionCheck> _checks = [];
    private string _partial = "new";

    /// <summary>The tests that follow extend the partial match ending at <paramref name="node"/> (−1: a new start).</summary>
    public void Extending(SharedBuffer<T> buffer, int node)
    {
        if (node < 0)
        {
            _partial = "new";
            return;
        }
        _partial = "[" + string.Join(" ", buffer.Path(node).Select(n => $"{steps[buffer.Step(n)].Name}={buffer.Value(n)}@{buffer.Timestamp(n)}")) + "]";
    }

    public void Record(string step, string condition, bool passed, bool absence) =>
        _checks.Add(new ConditionCheck(_partial, step, condition, passed, absence));

    public IReadOnlyList<ConditionCheck> Take()
    {
        var checks = _checks;
        _checks = [];
        _partial = "new";
        return checks;
    }
}
