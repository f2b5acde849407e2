using System.Text;

namespace Cep.Engine.Patterns;

/// <summary>
/// What one event did to a key's partial matches, for explain reports: every condition it
/// was tested against, in order (<see cref="Checks"/>), and the outcome in words (bound, a
/// match, nothing held, or late). Immutable.
/// </summary>
public sealed record EventTrace<T>(T Value, long Timestamp, IReadOnlyList<ConditionCheck> Checks, string Outcome)
{
    public override string ToString()
    {
        var text = new StringBuilder($"{Value}@{Timestamp}: {Outcome}");
        foreach (var check in Checks)
        {
            text.Append("\n    ").Append(check);
        }
        return text.ToString();
    }
}
