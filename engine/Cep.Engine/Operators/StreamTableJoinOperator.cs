using Cep.Engine.State;
namespace Cep.Engine.Operators;

/// <summary>
/// Joins each event of a keyed stream with the value its key has in a table at that moment
/// (Kafka Streams' KStream-KTable join). The table is the latest value per key of the right
/// input's changes (a null value deletes the key). Both inputs are processed in arrival order:
/// a stream event sees exactly the changes that arrived before it. The runtime feeds a task's
/// inputs in (timestamp, input, offset) order (DESIGN §4), so in a deployed query "before"
/// means "earlier in event time", ties broken by input then offset; the operator itself never
/// reorders or buffers. Table changes produce no output; results carry the stream event's
/// time and origin. Nothing is late: an event joins whatever the table holds when it arrives.
/// The watermark passes on as min(stream, table). Owned by one task.
/// </summary>
internal sealed class StreamTableJoinOperator<TKey, TStream, TValue, TResult, TJoin>(
    IObservable<StreamItem<TStream>> stream,
    Func<TStream, TKey> streamKey,
    IObservable<StreamItem<Keyed<TKey, TValue?>>> tableChanges,
    TJoin join,
    string operatorName) : IObservable<StreamItem<TResult>>
    where TKey : notnull
    where TJoin : IJoinResult<TStream, TValue, TResult>
{
    public IDisposable Subscribe(IObserver<StreamItem<TResult>> observer) =>
        new Sink(streamKey, join, operatorName, observer).Run(stream, tableChanges);

    private sealed class Sink(Func<TStream, TKey> streamKey, TJoin join, string operatorName, IObserver<StreamItem<TResult>> downstream)
        : BinaryOperatorSink<TStream, Keyed<TKey, TValue?>, TResult>(downstream)
    {
        // Persistent when the task checkpoints: a checkpoint writes the keys set or deleted since the last one.
        private readonly IKeyValueStore<TKey, TValue> _table = Runtime.QueryContext.KeyValueStore<TKey, TValue>("table");

        protected override void OnLeft(in StreamItem<TStream> item)
        {
            TKey key;
            try
            {
                key = streamKey(item.Value);
            }
            catch (Exception e)
            {
                Fail("KeyBy", item.Origin, e);
                return;
            }
            bool found = _table.TryGet(key, out var value);
            if (!found && !join.EmitsUnmatchedLeft)
            {
                return;
            }
            TResult result;
            try
            {
                result = found ? join.Matched(item.Value, value!) : join.LeftOnly(item.Value);
            }
            catch (Exception e)
            {
                Fail(operatorName, item.Origin, e);
                return;
            }
            ForwardOnNext(StreamItem<TResult>.Event(result, item.Timestamp, item.Origin));
        }

        protected override void OnRight(in StreamItem<Keyed<TKey, TValue?>> item)
        {
            var (key, value) = item.Value;
            if (value is null)
            {
                _table.Remove(key);
            }
            else
            {
                _table.Set(key, value);
            }
        }
    }
}
