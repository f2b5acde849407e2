using System.Text;
using Cep.Storage.Topics;

namespace Cep.Storage.Tests.Topics;

public sealed class Murmur2PartitionerTests
{
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("abc", 479470107)]
    [InlineData("a-little-bit-long-string", -985981536)]
    public void Hashes_match_kafkas_murmur2(string key, int expected)
    {
        Assert.Equal(expected, Murmur2Partitioner.Hash(Encoding.UTF8.GetBytes(key)));
    }

    /// <summary>Samples/murmur2-partitions.txt: where librdkafka's murmur2 partitioner sent 54 keys over 7 partitions.</summary>
    [Fact]
    public void Keys_land_where_librdkafka_puts_them()
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Samples", "murmur2-partitions.txt"))
            .Where(l => l.Length > 0)
            .Select(l => l.Split('\t'))
            .ToList();
        Assert.Equal(54, lines.Count);
        foreach (var parts in lines)
        {
            Assert.Equal(int.Parse(parts[1]), Murmur2Partitioner.Partition(Encoding.UTF8.GetBytes(parts[0]), 7));
        }
    }
}
