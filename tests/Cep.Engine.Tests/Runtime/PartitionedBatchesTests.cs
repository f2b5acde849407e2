using Cep.Engine.Runtime;

namespace Cep.Engine.Tests.Runtime;

public sealed class PartitionedBatchesTests
{
    [Theory]
    [InlineData(999, 0L, 999L)]                                   // a run that never checkpointed: the log is ahead of 0
    [InlineData(41, 42L, 41L)]                                    // the log has exactly what the checkpoint counted
    [InlineData(141, 42L, 141L)]                                  // the log has 100 records written after the checkpoint
    [InlineData(5, int.MaxValue + 3L, int.MaxValue + 6L)]         // wrapped past int.MaxValue
    [InlineData(int.MaxValue, int.MaxValue + 3L, int.MaxValue + 0L)] // the log behind the counter (never expected): taken as is
    public void A_wrapped_sequence_from_the_log_is_read_as_the_record_number_nearest_the_restored_counter(int last, long next, long expected) =>
        Assert.Equal(expected, PartitionedBatches.Unwrap(last, next));
}
