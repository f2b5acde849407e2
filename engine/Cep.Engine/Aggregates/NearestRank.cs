namespace Cep.Engine.Aggregates;

/// <summary>
/// The nearest-rank percentile: the p-th percentile (0 ≤ p ≤ 100) of n values is the value at
/// rank ⌈p·n/100⌉ (1-based, at least 1) in ascending order, so it is always one of the values,
/// never an interpolation: p = 0 is the minimum, 50 the lower median, 100 the maximum.
/// </summary>
internal static class NearestRank
{
    public static void Validate(double percentile)
    {
        if (!(percentile >= 0 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "percentiles lie in [0, 100]");
        }
    }

    /// <summary>The percentile of <paramref name="sorted"/> (ascending, not empty).</summary>
    public static TValue Select<TValue>(List<TValue> sorted, double percentile)
    {
        // p·n / 100 rather than p / 100 · n: for whole p the product is exact, so ranks that
        // land on an integer (p = 90, n = 10 → 9) are not pushed up by a rounding error.
        long rank = (long)Math.Ceiling(percentile * sorted.Count / 100.0);
        return sorted[(int)Math.Clamp(rank, 1, sorted.Count) - 1];
    }
}
