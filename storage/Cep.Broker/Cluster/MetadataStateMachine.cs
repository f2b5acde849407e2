using System.Buffers;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace Cep.Broker.Cluster;

/// <summary>
/// The metadata log's state machine under DotNext's write-ahead log: each committed entry is a
/// batch of <see cref="MetadataRecord"/>s (one decision of the controller, applied whole), and
/// applying it gives the next <see cref="ClusterImage"/>, published at the entry's index. Raft's
/// own entries (the leader's empty entry at the start of a term, configuration entries) change
/// nothing. A snapshot is the image written as the records that rebuild it, so restoring is
/// applying them to an empty image.
/// Thread-safety: DotNext applies entries one at a time; <see cref="Image"/> is read by anyone.
/// </summary>
internal sealed class MetadataStateMachine(DirectoryInfo location, int snapshotInterval) : SimpleStateMachine(location)
{
    private ClusterImage _image = ClusterImage.Empty;
    private TaskCompletionSource _changed = NewSignal();
    private long _sinceSnapshot;

    public ClusterImage Image => Volatile.Read(ref _image);

    /// <summary>Completes once an image beyond <paramref name="offset"/> is published.</summary>
    public async Task WaitBeyondAsync(long offset, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _changed);
            if (Image.Offset > offset)
            {
                return;
            }
            await signal.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    protected override ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        var image = Image;
        if (!entry.IsConfiguration && entry.TryGetPayload(out var payload) && !payload.IsEmpty)
        {
            foreach (var record in MetadataRecordSerde.DecodeBatch(payload.ToArray()))
            {
                image = image.Apply(record, entry.Index);
            }
        }
        Publish(image.Offset == entry.Index ? image : image.At(entry.Index));
        return new(++_sinceSnapshot % snapshotInterval == 0);
    }

    protected override ValueTask PersistAsync(IAsyncBinaryWriter writer, CancellationToken token)
    {
        var image = Image;
        return writer.Invoke(MetadataRecordSerde.EncodeSnapshot(image.Offset, image.ToRecords()), token);
    }

    protected override async ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token)
    {
        var (offset, records) = MetadataRecordSerde.DecodeSnapshot(await File.ReadAllBytesAsync(snapshotFile.FullName, token).ConfigureAwait(false));
        var image = ClusterImage.Empty;
        foreach (var record in records)
        {
            image = image.Apply(record, offset);
        }
        Publish(image.At(offset));
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Publish(ClusterImage image)
    {
        Volatile.Write(ref _image, image);
        Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();
    }
}
