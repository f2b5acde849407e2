using System.CommandLine;
using System.Globalization;
using System.Text;
using Cep.Storage.Log;
using Cep.Storage.Topics;

namespace Cep.Cli.Commands;

/// <summary>
/// <c>cep consume TOPIC</c>: prints one value per line, in offset order per partition. Without
/// <c>--follow</c> it reads from the beginning to the current end, partition after partition;
/// with it, it starts at the end (unless a start is given) and tails every partition until
/// Ctrl+C, interleaving partitions as records arrive. Reads the data directory, or a daemon's
/// log through its admin API (<see cref="RemoteSource"/>).
/// </summary>
internal static class ConsumeCommand
{
    public static Command Create()
    {
        var topic = new Argument<string>("topic") { Description = "Topic to read" };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at the earliest offset (the default without --follow)" };
        var offset = new Option<long?>("--offset") { Description = "Start at this offset (needs --partition)" };
        var fromTime = new Option<string?>("--from-time") { Description = "Start at the first record with a timestamp at or after this ISO 8601 time" };
        var partition = new Option<int?>("--partition") { Description = "Read only this partition" };
        var maxMessages = new Option<long?>("--max-messages") { Description = "Stop after this many records" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep waiting for new records" };
        var printKey = new Option<bool>("--print-key") { Description = "Print the key and a tab before the value" };
        var printOffset = new Option<bool>("--print-offset") { Description = "Print partition:offset and a tab first" };
        var command = new Command("consume", "Print records of a topic, one value per line")
        {
            topic, fromBeginning, offset, fromTime, partition, maxMessages, follow, printKey, printOffset,
        };
        command.Validators.Add(result =>
        {
            int starts = (result.GetValue(fromBeginning) ? 1 : 0) + (result.GetValue(offset) is null ? 0 : 1) + (result.GetValue(fromTime) is null ? 0 : 1);
            if (starts > 1)
            {
                result.AddError("use only one of --from-beginning, --offset and --from-time");
            }
            if (result.GetValue(offset) is not null && result.GetValue(partition) is null)
            {
                result.AddError("--offset needs --partition");
            }
        });
        command.SetAction((parse, ct) =>
        {
            string name = parse.GetValue(topic)!;
            var options = new Options(parse.GetValue(fromBeginning), parse.GetValue(offset), ParseTime(parse.GetValue(fromTime)),
                parse.GetValue(maxMessages), parse.GetValue(follow), parse.GetValue(printKey), parse.GetValue(printOffset));
            return CliContext.RunAsync(
                parse,
                store => ConsumeAsync(new LocalSource(store, name), parse.GetValue(partition), options, ct),
                client => ConsumeAsync(new RemoteSource(client, name), parse.GetValue(partition), options, ct));
        });
        return command;
    }

    private static async Task<int> ConsumeAsync(IRecordSource source, int? only, Options options, CancellationToken ct)
    {
        var partitions = await source.PartitionsAsync(only, ct);
        using var cts = CliContext.CancelOnSignal(ct);
        var output = new Output(options.MaxMessages, cts);
        try
        {
            if (options.Follow)
            {
                await Task.WhenAll(partitions.Select(p => ReadAsync(source, p, options, output, cts.Token)));
            }
            else
            {
                foreach (var p in partitions)
                {
                    await ReadAsync(source, p, options, output, cts.Token);
                }
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // Ctrl+C, or --max-messages reached while following.
        }
        output.Flush();
        return 0;
    }

    private static long? ParseTime(string? text)
    {
        if (text is null)
        {
            return null;
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            throw new InvalidConfigException($"--from-time '{text}' is not an ISO 8601 time (e.g. 2026-11-25T10:00:00Z)");
        }
        return time.ToUnixTimeMilliseconds();
    }

    private static async Task ReadAsync(IRecordSource source, PartitionRange partition, Options options, Output output, CancellationToken ct)
    {
        long start = options switch
        {
            { Offset: long o } => o,
            { FromTime: long t } => await source.OffsetForTimeAsync(partition.Partition, t, ct),
            { FromBeginning: true } => partition.Start,
            { Follow: true } => partition.End,
            _ => partition.Start,
        };
        if (start < partition.Start || start > partition.End)
        {
            throw new OffsetOutOfRangeException($"offset {start} is out of range for {source.Topic}/{partition.Partition}; valid offsets are [{partition.Start}, {partition.End}]");
        }
        await foreach (var record in source.ReadAsync(partition, start, options.Follow, ct))
        {
            if (!output.Write(record, options))
            {
                return;
            }
        }
    }

    private sealed record Options(bool FromBeginning, long? Offset, long? FromTime, long? MaxMessages, bool Follow, bool PrintKey, bool PrintOffset);

    /// <summary>Serializes lines from concurrent partition readers and counts them against --max-messages.</summary>
    private sealed class Output(long? maxMessages, CancellationTokenSource stop)
    {
        private readonly Stream _stdout = Console.OpenStandardOutput();
        private readonly BufferedStream _buffer = new(Console.OpenStandardOutput(), 1 << 16);
        private long _written;

        public bool Write(ConsumedRecord record, Options options)
        {
            lock (_buffer)
            {
                if (_written >= maxMessages)
                {
                    stop.Cancel();
                    return false;
                }
                if (options.PrintOffset)
                {
                    WriteText($"{record.Partition}:{record.Offset}\t");
                }
                if (options.PrintKey)
                {
                    WriteBytes(record.Key);
                    _buffer.WriteByte((byte)'\t');
                }
                WriteBytes(record.Value);
                _buffer.WriteByte((byte)'\n');
                _written++;
                if (options.Follow)
                {
                    _buffer.Flush();
                }
                if (_written >= maxMessages)
                {
                    stop.Cancel();
                    return false;
                }
                return true;
            }
        }

        public void Flush()
        {
            lock (_buffer)
            {
                _buffer.Flush();
                _stdout.Flush();
            }
        }

        private void WriteBytes(byte[]? bytes)
        {
            if (bytes is not null)
            {
                _buffer.Write(bytes);
            }
            else
            {
                WriteText("null");
            }
        }

        private void WriteText(string text) => _buffer.Write(Encoding.UTF8.GetBytes(text));
    }
}
