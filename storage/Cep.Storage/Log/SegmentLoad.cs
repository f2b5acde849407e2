namespace Cep.Storage.Log;

/// <summary>How much a segment is checked when it is opened (see <see cref="LogSegment.Load"/>).</summary>
internal enum SegmentLoad
{
    /// <summary>Known durable (before the recovery point): trust the batches, rebuild indexes only if they look wrong.</summary>
    Trusted,

    /// <summary>The active segment after a clean shutdown: CRC-check the batches after the last index entry.</summary>
    CheckTail,

    /// <summary>Possibly torn by a crash: CRC-check every batch, rebuild the indexes, cut at the first bad batch.</summary>
    Recover,
}
