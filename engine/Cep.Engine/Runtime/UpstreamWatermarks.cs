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

    private readonly long[] _watermarks = Enumerable.Repeat(long.MinValue, upstreamTasks).ToArray();

    public long Current => _watermarks.Min();

    public bool AllEnded => _watermarks.All(w => w == long.MaxValue);

    public static byte[] Encode(int task, long watermark) =>
        Encoding.ASCII.GetBytes($"{task.ToString(CultureInfo.InvariantCulture)}:{watermark.ToString(CultureInfo.InvariantCulture)}");

    public void Update(ReadOnlySpan<byte> value)
    {
        string text = Encoding.ASCII.GetString(value);
        int colon = text.IndexOf(':');
        int task = int.Parse(text.AsSpan(0, colon), CultureInfo.InvariantCulture);
        long watermark = long.Parse(text.AsSpan(colon + 1), CultureInfo.InvariantCulture);
        _watermarks[task] = Math.Max(_watermarks[task], watermark);
    }
}
