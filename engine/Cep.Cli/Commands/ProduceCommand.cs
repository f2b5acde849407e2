using System.CommandLine;
using System.Diagnostics;
using System.Text;
using Cep.Storage.Log;
using Cep.Storage.Records;
using Cep.Storage.Topics;
using Spectre.Console;

namespace Cep.Cli.Commands;

/// <summary>
/// <c>cep produce TOPIC</c>: one record per input line, keyed with <c>--key-separator</c>,
/// partitioned like Kafka (murmur2 of the key; records without a key fill one batch per
/// partition in turn, like Kafka's sticky partitioner). Lines are batched up to 1000 records
/// per partition and a few appends are kept in flight so group commit can share fsyncs.
/// Progress lines report only acknowledged records, so every record reported is in the log.
/// </summary>
internal static class ProduceCommand
{
    private const int BatchRecords = 1000;
    private const int MaxInFlight = 8;

    public static Command Create()
    {
        var topic = new Argument<string>("topic") { Description = "Topic to append to" };
        var file = new Option<FileInfo?>("--file") { Description = "Read lines from this file instead of stdin" };
        var separator = new Option<string?>("--key-separator") { Description = "Split each line at the first occurrence into key and value" };
        var partition = new Option<int?>("--partition") { Description = "Append every record to this partition" };
        var command = new Command("produce", "Append one record per line from stdin or a file") { topic, file, separator, partition };
        command.SetAction((parse, ct) => CliContext.RunAsync(
            parse,
            store => RunAsync(Producer.Open(store, parse.GetValue(topic)!, parse.GetValue(separator), parse.GetValue(partition)), parse.GetValue(topic)!, parse.GetValue(file), ct),
            client => RunAsync(new RemoteLineSink(client, parse.GetValue(topic)!, parse.GetValue(separator), parse.GetValue(partition)), parse.GetValue(topic)!, parse.GetValue(file), ct)));
        return command;
    }

    private static async Task<int> RunAsync(ILineSink sink, string topic, FileInfo? file, CancellationToken ct)
    {
        using var reader = file is null
            ? new StreamReader(Console.OpenStandardInput(), Encoding.UTF8, false, 1 << 16)
            : new StreamReader(OpenInput(file), Encoding.UTF8, false, 1 << 16);
        bool interactive = file is not null && !Console.IsErrorRedirected;
        var progressClock = Stopwatch.StartNew();
        long lineNumber = 0;
        try
        {
            if (interactive)
            {
                await AnsiConsole.Progress().StartAsync(async context =>
                {
                    var task = context.AddTask($"appending to {topic}", maxValue: Math.Max(1, reader.BaseStream.Length));
                    while (await reader.ReadLineAsync(ct) is { } line)
                    {
                        await sink.AddAsync(line, ++lineNumber);
                        task.Value = reader.BaseStream.Position;
                    }
                    await sink.CompleteAsync();
                    task.Value = task.MaxValue;
                });
            }
            else
            {
                while (await reader.ReadLineAsync(ct) is { } line)
                {
                    await sink.AddAsync(line, ++lineNumber);
                    if (progressClock.ElapsedMilliseconds >= 1000)
                    {
                        await Console.Error.WriteLineAsync($"appended {sink.Acknowledged} records");
                        progressClock.Restart();
                    }
                }
                await sink.CompleteAsync();
            }
        }
        catch (Exception e) when (e is Cep.Storage.StorageException or FormatException or CommandException)
        {
            // Lines before the bad one were accepted: append them, then report.
            try
            {
                await sink.CompleteAsync();
            }
            catch (Exception again) when (again is Cep.Storage.StorageException or CommandException)
            {
                // Already failing; the count below says what made it.
            }
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            Console.WriteLine($"appended {sink.Acknowledged} records to {topic} before the error");
            return 1;
        }
        Console.WriteLine($"appended {sink.Acknowledged} records to {topic}");
        return 0;
    }

    private static FileStream OpenInput(FileInfo file)
    {
        try
        {
            return file.OpenRead();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new Cep.Storage.StorageException($"cannot read {file.FullName}: {e.Message}");
        }
    }

    /// <summary>
    /// Lines into one topic of the store: per-partition batch builders, the appends in flight,
    /// and the count acknowledged. The batches go to the store's partitions, or, on a cluster
    /// node, through <c>log</c> to each partition's leader (acks=all).
    /// </summary>
    internal sealed class Producer(TopicStore store, string topic, int partitionCount, string? separator, int? fixedPartition, Cep.Engine.Runtime.ITopicLog? log) : ILineSink
    {
        private readonly RecordBatchBuilder?[] _builders = new RecordBatchBuilder?[partitionCount];
        private readonly Queue<Task<int>> _inFlight = new();
        private readonly int _maxBatchBytes = Math.Min(1024 * 1024, store.GetPartition(topic, 0).Config.MaxMessageBytes);
        private byte[] _buffer = new byte[4096];

        // Keyless records fill one batch per partition in turn, starting anywhere so that many short producers spread.
        private int _sticky = Random.Shared.Next(partitionCount);

        public long Acknowledged { get; private set; }

        /// <summary>A producer into <paramref name="topic"/>; a bad partition or an empty separator is refused here, before any line.</summary>
        public static Producer Open(TopicStore store, string topic, string? separator, int? fixedPartition, Cep.Engine.Runtime.ITopicLog? log = null)
        {
            int partitions = store.PartitionCount(topic);
            if (fixedPartition is int p)
            {
                store.GetPartition(topic, p); // validates the partition, naming the valid range
            }
            if (separator is { Length: 0 })
            {
                throw new InvalidConfigException("--key-separator must not be empty");
            }
            return new Producer(store, topic, partitions, separator, fixedPartition, log);
        }

        public async ValueTask AddAsync(string line, long lineNumber)
        {
            string? key = null;
            string value = line;
            if (separator is not null)
            {
                int at = line.IndexOf(separator, StringComparison.Ordinal);
                if (at < 0)
                {
                    throw new FormatException($"line {lineNumber}: no key separator '{separator}' found");
                }
                key = line[..at];
                value = line[(at + separator.Length)..];
            }
            int keyLength = key is null ? 0 : Encoding.UTF8.GetByteCount(key);
            int valueLength = Encoding.UTF8.GetByteCount(value);
            if (_buffer.Length < keyLength + valueLength)
            {
                _buffer = new byte[keyLength + valueLength];
            }
            if (key is not null)
            {
                Encoding.UTF8.GetBytes(key, _buffer.AsSpan(0, keyLength));
            }
            Encoding.UTF8.GetBytes(value, _buffer.AsSpan(keyLength, valueLength));
            if (keyLength + valueLength + RecordBatch.HeaderSize + 32 > _maxBatchBytes)
            {
                throw new RecordTooLargeException($"line {lineNumber}: a record of {keyLength + valueLength} bytes does not fit max.message.bytes={_maxBatchBytes} of topic '{topic}'");
            }
            int partition = fixedPartition ?? (key is null ? _sticky : store.PartitionFor(topic, _buffer.AsSpan(0, keyLength), keyIsNull: false));
            var builder = _builders[partition] ??= new RecordBatchBuilder();
            if (builder.Count > 0 && builder.EstimatedSize + keyLength + valueLength + 32 > _maxBatchBytes)
            {
                await SendAsync(partition);
            }
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (key is null)
            {
                builder.AddWithoutKey(now, _buffer.AsSpan(keyLength, valueLength));
            }
            else
            {
                builder.Add(now, _buffer.AsSpan(0, keyLength), _buffer.AsSpan(keyLength, valueLength));
            }
            if (builder.Count >= BatchRecords)
            {
                await SendAsync(partition);
                if (key is null && fixedPartition is null)
                {
                    _sticky = (_sticky + 1) % partitionCount;
                }
            }
        }

        public async Task CompleteAsync()
        {
            for (int partition = 0; partition < _builders.Length; partition++)
            {
                if (_builders[partition] is { Count: > 0 })
                {
                    await SendAsync(partition);
                }
            }
            while (_inFlight.Count > 0)
            {
                await CompleteOldestAsync();
            }
        }

        private async Task SendAsync(int partition)
        {
            var builder = _builders[partition]!;
            // The log keeps writing into the batch's buffer (offsets), so hand it a copy and reuse the builder.
            byte[] batch = builder.Build().ToArray();
            int records = builder.Count;
            builder.Reset();
            _inFlight.Enqueue(AppendAsync(partition, batch, records));
            if (_inFlight.Count >= MaxInFlight)
            {
                await CompleteOldestAsync();
            }
        }

        /// <summary>Appends one batch of <paramref name="records"/> records; returns how many were acknowledged.</summary>
        private async Task<int> AppendAsync(int partition, byte[] batch, int records)
        {
            if (log is null)
            {
                return (await store.GetPartition(topic, partition).AppendAsync(batch)).RecordCount;
            }
            await log.AppendAsync(topic, partition, batch);
            return records;
        }

        private async Task CompleteOldestAsync()
        {
            Acknowledged += await _inFlight.Dequeue();
        }
    }
}
