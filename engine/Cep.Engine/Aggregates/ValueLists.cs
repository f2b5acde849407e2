namespace Cep.Engine.Aggregates;

/// <summary>Helpers for accumulators that keep every value in a list.</summary>
internal static class ValueLists
{
    /// <summary>Appends the shorter list to the longer and returns the longer (order does not matter to a multiset).</summary>
    public static List<TValue> Merge<TValue>(List<TValue> left, List<TValue> right)
    {
        var (into, from) = left.Count >= right.Count ? (left, right) : (right, left);
        into.AddRange(from);
        return into;
    }
}
