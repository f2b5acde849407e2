using Cep.Storage.Records;

namespace Cep.Engine.Runtime;

/// <summary>
/// Reads one partition forward from an offset. Records handed to the callback point into the
/// cursor's buffer and are valid only during the call. Owned by one task.
/// </summary>
public interface IPartitionCursor
{
    string Topic { get; }

    int Partition { get; }

    /// <summary>The offset of the next record.</summary>
    long Position { get; }

    /// <summary>Moves to <paramref name="offset"/> (a restored position); reading goes on from there.</summary>
    void Seek(long offset);

    /// <summary>Reads what is available now (up to about one buffer), calling <paramref name="onRecord"/> per record in offset order; returns the count (0 at the end).</summary>
    int Read(Action<Record> onRecord);

    /// <summary>Completes when a record at <see cref="Position"/> is available.</summary>
    Task WaitForDataAsync(CancellationToken cancellationToken);
}
