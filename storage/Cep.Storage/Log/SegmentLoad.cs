namespace Cep.Storage.Log;

/// <summary>How much a segment is checked when it is opened (see <see cref="LogSegment.Load"/>).</summary>
internal enum SegmentLoad
{
    Sealed,
    ActiveClean,
    ActiveUnclean,
}
