namespace Cep.Broker.Codegen;

/// <summary>A schema's version set: <c>"3+"</c>, <c>"0-4"</c>, <c>"5"</c> or <c>"none"</c>, as the message definitions write them. Immutable.</summary>
public readonly record struct VersionRange(short Min, short Max)
{
    public static VersionRange None { get; } = new(1, 0);

    public bool IsEmpty => Min > Max;

    public static VersionRange Parse(string? text)
    {
        if (text is null or "none" or "")
        {
            return None;
        }
        if (text.EndsWith('+'))
        {
            return new(short.Parse(text[..^1], System.Globalization.CultureInfo.InvariantCulture), short.MaxValue);
        }
        int dash = text.IndexOf('-');
        return dash < 0
            ? new(short.Parse(text, System.Globalization.CultureInfo.InvariantCulture), short.Parse(text, System.Globalization.CultureInfo.InvariantCulture))
            : new(short.Parse(text[..dash], System.Globalization.CultureInfo.InvariantCulture), short.Parse(text[(dash + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public VersionRange Intersect(VersionRange other) => new(Math.Max(Min, other.Min), Math.Min(Max, other.Max));

    /// <summary>A C# condition on <c>version</c> that holds exactly for this set, given that <c>version</c> lies in <paramref name="valid"/>.</summary>
    public string Condition(VersionRange valid)
    {
        var range = Intersect(valid);
        if (range.IsEmpty)
        {
            return "false";
        }
        bool needMin = range.Min > valid.Min, needMax = range.Max < valid.Max;
        return (needMin, needMax) switch
        {
            (false, false) => "true",
            (true, false) => $"version >= {range.Min}",
            (false, true) => $"version <= {range.Max}",
            _ => range.Min == range.Max ? $"version == {range.Min}" : $"version >= {range.Min} && version <= {range.Max}",
        };
    }
}
