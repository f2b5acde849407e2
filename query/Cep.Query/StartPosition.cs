using System.Globalization;
using Cep.Engine.Runtime;

namespace Cep.Query;

/// <summary>
/// Where a query deployed with a start position begins: its earlier state is dropped and every
/// input starts at the beginning, an offset, the first record at or after a time, or the end.
/// Text form (API, CLI): <c>beginning</c>, <c>latest</c>, <c>offset:N</c>, <c>time:ISO-8601</c>. Immutable.
/// </summary>
public sealed record StartPosition(long? Offset, DateTimeOffset? Time)
{
    public static StartPosition Beginning { get; } = new(0L, null);

    public static StartPosition Latest { get; } = new(long.MaxValue, null);

    /// <exception cref="FormatException">Not one of the four forms.</exception>
    public static StartPosition Parse(string text) => text switch
    {
        "beginning" => Beginning,
        "latest" => Latest,
        _ when text.StartsWith("offset:", StringComparison.Ordinal) && long.TryParse(text.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out long offset) => new(offset, null),
        _ when text.StartsWith("time:", StringComparison.Ordinal) && DateTimeOffset.TryParse(text.AsSpan(5), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) => new(null, time),
        _ => throw new FormatException($"start position '{text}': expected beginning, latest, offset:N or time:ISO-8601"),
    };

    /// <summary>
    /// Options for running <paramref name="queryName"/> from this position: its state under
    /// <see cref="QueryOptions.StateDirectory"/> is deleted (so no checkpoint overrides the
    /// position) and every input starts here.
    /// </summary>
    public QueryOptions StartOver(string queryName, QueryOptions options)
    {
        if (options.StateDirectory is { } stateDirectory && Directory.Exists(Path.Combine(stateDirectory, queryName)))
        {
            Directory.Delete(Path.Combine(stateDirectory, queryName), recursive: true);
        }
        return options with { StartOffset = Offset, StartTime = Time };
    }
}
