using System.Globalization;
using System.Text;

namespace Cep.Engine.Runtime;

/// <summary>
/// The watermark of a repartition topic: each upstream task writes its own watermark into
/// every partition as a record with the <c>cep.watermark</c> header (<c>task:watermark</c>)
/// after the events it covers, and <c>long.MaxValue</c> when it ends. The partition's
/// watermark is the minimum over the upstream tasks. Owned by one task.
/// </summary>
internal sealed class UpstreamWatermarks(int upstreamTasks)
{
    public const string Header = "cep.watermark";

    /// <summary>Each upstream task's watermark (long.MinValue before its first); checkpointed with the input.</summary>
    public long[] Watermarks { get; } = Enumerable.Repeat(long.MinValue, upstreamTasks).ToArray();

    public long Current => Watermarks.Min();

    public bool AllEnded => Watermarks.All(w => w == long.MaxValue);

    public static byte[] Encode(int task, long watermark) =>
        Encoding.ASCII.GetBytes($"{task.ToString(CultureInfo.InvariantCulture)}:{watermark.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Reads a watermark record's value: the upstream task and its watermark.</summary>
    public static (int Task, long Watermark) Decode(ReadOnlySpan<byte> value)
    {
        string text = Encoding.ASCII.GetString(value);
        int colon = text.IndexOf(':');
        return (int.Parse(text.AsSpan(0, colon), CultureInfo.InvariantCulture), long.Parse(text.AsSpan(colon + 1), CultureInfo.InvariantCulture));
    }

    public void Update(int task, long watermark) => Watermarks[task] = Math.Max(Watermarks[task], watermark);
}
