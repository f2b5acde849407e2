using System.CommandLine;
using Cep.Storage.Topics;

namespace Cep.Cli.Commands;

/// <summary>
/// <c>cep log verify [TOPIC]</c>: checks every batch (CRC, framing, offsets) and index entry;
/// exit 1 on any problem. <c>cep log clean</c>: one retention and compaction pass now.
/// </summary>
internal static class LogCommand
{
    public static Command Create()
    {
        var log = new Command("log", "Check the log on disk (verify) and apply retention and compaction now (clean)");
        var topic = new Argument<string?>("topic") { Description = "Only this topic", Arity = ArgumentArity.ZeroOrOne };
        var verify = new Command("verify", "Check every batch and index; print what is wrong with topic/partition/segment/offset") { topic };
        verify.SetAction((parse, ct) => CliContext.RunAsync(parse, store =>
        {
            var topics = parse.GetValue(topic) is { } t ? [t] : store.ListTopics();
            int problems = 0;
            long batches = 0;
            foreach (string name in topics)
            {
                for (int p = 0; p < store.PartitionCount(name); p++)
                {
                    var partition = store.GetPartition(name, p);
                    if (partition.TruncatedOnOpen > 0)
                    {
                        Console.WriteLine($"{partition.Name}: recovery cut {partition.TruncatedOnOpen} bytes of torn or corrupt tail when the log was opened");
                    }
                    foreach (string problem in partition.Verify())
                    {
                        Console.WriteLine(problem);
                        problems++;
                    }
                    batches += partition.LogEndOffset - partition.LogStartOffset;
                }
            }
            Console.WriteLine(problems == 0
                ? $"ok: {topics.Count} topic(s), {batches} records checked"
                : $"{problems} problem(s) found");
            return Task.FromResult(problems == 0 ? 0 : 1);
        }));
        log.Subcommands.Add(verify);

        var clean = new Command("clean", "Apply retention (retention.ms, retention.bytes) and compaction (cleanup.policy=compact) now");
        clean.SetAction((parse, ct) => CliContext.RunAsync(parse, store =>
        {
            var (deleted, cleaned) = store.RunMaintenance();
            Console.WriteLine($"deleted {deleted} expired segment(s), compacted {cleaned} segment(s)");
            foreach (string error in store.MaintenanceErrors)
            {
                Console.Error.WriteLine($"error: {error}");
            }
            return Task.FromResult(store.MaintenanceErrors.IsEmpty ? 0 : 1);
        }));
        log.Subcommands.Add(clean);
        return log;
    }
}
