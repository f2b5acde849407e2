namespace Cep.Storage.Log;

/// <summary>When an append counts as durable, and so when it is acknowledged (topic config <c>flush.policy</c>).</summary>
public enum FlushPolicy
{
    /// <summary>fsync after every append, under the write lock: simplest and slowest.</summary>
    Fsync,

    /// <summary>Concurrent appenders share one fsync; each is acknowledged only after an fsync that covers it.</summary>
    Group,

    /// <summary>fsync at most every <c>flush.ms</c>; acknowledged at once (a machine crash may lose up to that interval).</summary>
    Interval,

    /// <summary>Never fsync except at segment roll and close; the OS writes back. Survives a process crash, not a machine crash.</summary>
    Os,
}
