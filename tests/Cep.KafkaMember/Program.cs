using System.Text.Json;
using Confluent.Kafka;

// A consumer-group member in a process of its own, for tests that kill members for real:
//   Cep.KafkaMember BOOTSTRAP TOPIC GROUP NAME [SESSION_TIMEOUT_MS]
// Prints one JSON line per event on stdout — {"member","event":"assigned"|"revoked","partitions":[…]}
// and {"member","event":"message","partition","offset","value"} — until killed or stdin closes.
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: Cep.KafkaMember BOOTSTRAP TOPIC GROUP NAME [SESSION_TIMEOUT_MS]");
    return 2;
}
string name = args[3];
var config = new ConsumerConfig
{
    BootstrapServers = args[0],
    GroupId = args[2],
    ClientId = name,
    AutoOffsetReset = AutoOffsetReset.Earliest,
    SessionTimeoutMs = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 6000,
    HeartbeatIntervalMs = 500,
};
void Print(object line)
{
    lock (config)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(line));
        Console.Out.Flush();
    }
}
using var consumer = new ConsumerBuilder<Ignore, string>(config)
    .SetPartitionsAssignedHandler((_, partitions) => Print(new { member = name, @event = "assigned", partitions = partitions.Select(p => p.Partition.Value).Order() }))
    .SetPartitionsRevokedHandler((_, partitions) => Print(new { member = name, @event = "revoked", partitions = partitions.Select(p => p.Partition.Value).Order() }))
    .Build();
consumer.Subscribe(args[1]);
using var stop = new CancellationTokenSource();
_ = Task.Run(() =>
{
    Console.In.ReadToEnd(); // the test closes stdin to stop a member gracefully
    stop.Cancel();
});
try
{
    while (!stop.IsCancellationRequested)
    {
        if (consumer.Consume(stop.Token) is { } result)
        {
            Print(new { member = name, @event = "message", partition = result.Partition.Value, offset = result.Offset.Value, value = result.Message.Value });
        }
    }
}
catch (OperationCanceledException)
{
    // Stopping.
}
consumer.Close();
return 0;
