using System.Buffers.Binary;
using Cep.Engine.Serdes;
using Cep.Engine.State;
using Cep.Storage.State;
using RocksDbSharp;

namespace Cep.Benchmarks.State;

/// <summary>
/// Read-modify-write of a counter per key (100 K keys, uniform random), the access of a
/// windowed count: through our checkpointed window store (the write-back cache: the entry is
/// updated in memory, and the changed entries go to RocksDB in one batch at the checkpoint
/// that ends the run, counted in the time) against raw RocksDbSharp calls (Get, decode, add,
/// encode, Put per operation, as a store without a cache would do), in the same run.
/// </summary>
internal sealed class StateStoreScenario : IScenario
{
    private const int Keys = 100_000;
    private const int Rounds = 3;

    // Raw RocksDB is ~100× slower per operation: it runs a tenth of the operations (rates compare, times stay short).
    private const int RawShare = 10;

    public string Name => "state-store";

    public string Description => "counter get/put through our cached store vs raw RocksDbSharp Get/Put";

    public Task<ScenarioResult> RunAsync(bool quick)
    {
        int operations = quick ? 2_000_000 : 10_000_000;
        var keys = new int[operations];
        var random = new Random(7);
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = random.Next(Keys);
        }
        var ours = new List<MetricSet>();
        var raw = new List<MetricSet>();
        for (int round = 0; round < Rounds; round++)
        {
            ours.Add(RunOurs(keys));
            raw.Add(RunRaw(keys.AsSpan(0, keys.Length / RawShare).ToArray()));
        }
        var oursMedian = Results.Median(ours, "ops_per_s");
        var rawMedian = Results.Median(raw, "ops_per_s");
        if (oursMedian["checksum"] != operations || rawMedian["checksum"] != operations / RawShare)
        {
            throw new InvalidOperationException("a store lost or doubled counts");
        }
        return Task.FromResult(new ScenarioResult(
            Name,
            $"{Rounds} rounds (median) of {operations:N0} read-modify-writes over {Keys:N0} keys (raw RocksDB: the first {operations / RawShare:N0}); one thread",
            oursMedian,
            "ops_per_s",
            0,
            new PeerResult("raw RocksDbSharp", "db.Get + decode + add + encode + db.Put per operation, default options, no WAL sync", rawMedian),
            ["checksum = sum of the final counts (= operations: nothing lost or doubled)."]));
    }

    private static MetricSet RunOurs(int[] keys)
    {
        using var directory = new TempDirectory("state-store");
        var store = new PersistentWindowStore<int, long>("counts", StateSerde.For<int>(), StateSerde.For<long>());
        using var db = TaskStateDb.Open(directory.Path, [store.StoreName]);
        var watch = CpuWatch.Start();
        foreach (int key in keys)
        {
            store.GetOrAdd(0, key, out _)++;
        }
        store.WriteCheckpoint(db);
        db.Checkpoint();
        var (wall, cpu) = watch.Elapsed();
        long checksum = store.Entries(0).Sum(e => e.Value);
        return Metrics(keys.Length, wall, cpu, checksum);
    }

    private static MetricSet RunRaw(int[] keys)
    {
        using var directory = new TempDirectory("state-store-raw");
        using var db = RocksDb.Open(new DbOptions().SetCreateIfMissing(true), directory.Path);
        var key = new byte[4];
        var value = new byte[8];
        var watch = CpuWatch.Start();
        foreach (int k in keys)
        {
            BinaryPrimitives.WriteInt32BigEndian(key, k);
            var current = db.Get(key);
            long count = current is null ? 0 : BinaryPrimitives.ReadInt64LittleEndian(current);
            BinaryPrimitives.WriteInt64LittleEndian(value, count + 1);
            db.Put(key, value);
        }
        var (wall, cpu) = watch.Elapsed();
        long checksum = 0;
        using (var iterator = db.NewIterator())
        {
            for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
            {
                checksum += BinaryPrimitives.ReadInt64LittleEndian(iterator.Value());
            }
        }
        return Metrics(keys.Length, wall, cpu, checksum);
    }

    private static MetricSet Metrics(long operations, TimeSpan wall, TimeSpan cpu, long checksum) => new MetricSet()
        .Add("ops_per_s", operations / wall.TotalSeconds)
        .Add("operations", operations)
        .Add("checksum", checksum)
        .Add("elapsed_s", wall.TotalSeconds)
        .Add("cpu_cores_used", cpu / wall);
}
