using Cep.Storage.Records;

namespace Cep.Storage.Tests.Records;

public sealed class VarintTests
{
    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(-1, new byte[] { 0x01 })]
    [InlineData(1, new byte[] { 0x02 })]
    [InlineData(-64, new byte[] { 0x7f })]
    [InlineData(64, new byte[] { 0x80, 0x01 })]
    [InlineData(300, new byte[] { 0xd8, 0x04 })]
    [InlineData(int.MaxValue, new byte[] { 0xfe, 0xff, 0xff, 0xff, 0x0f })]
    [InlineData(int.MinValue, new byte[] { 0xff, 0xff, 0xff, 0xff, 0x0f })]
    public void Zigzag_ints_encode_as_protobuf_sint32(int value, byte[] expected)
    {
        var buffer = new byte[10];
        int end = Varint.WriteInt(buffer, 0, value);
        Assert.Equal(expected, buffer[..end]);
        Assert.Equal(expected.Length, Varint.SizeOfInt(value));
        int position = 0;
        Assert.Equal(value, Varint.ReadInt(buffer, ref position));
        Assert.Equal(end, position);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(1700000004000L)]
    [InlineData(long.MinValue)]
    [InlineData(long.MaxValue)]
    public void Longs_round_trip(long value)
    {
        var buffer = new byte[10];
        int end = Varint.WriteLong(buffer, 0, value);
        Assert.Equal(Varint.SizeOfLong(value), end);
        int position = 0;
        Assert.Equal(value, Varint.ReadLong(buffer, ref position));
    }

    [Fact]
    public void A_truncated_varint_is_a_corrupt_record()
    {
        int position = 0;
        var error = Assert.Throws<CorruptRecordException>(() => Varint.ReadInt(new byte[] { 0x80, 0x80 }, ref position));
        Assert.Contains("past the end", error.Message);
    }

    [Fact]
    public void An_overlong_varint_is_a_corrupt_record()
    {
        int position = 0;
        Assert.Throws<CorruptRecordException>(() => Varint.ReadInt(new byte[] { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 }, ref position));
    }
}
