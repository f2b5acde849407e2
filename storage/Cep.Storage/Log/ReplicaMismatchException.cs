namespace Cep.Storage.Log;

/// <summary>A follower was handed batches that do not continue its log (a gap, or offsets it already has under other batches); the message names both offsets. Nothing was appended.</summary>
public sealed class ReplicaMismatchException(string message) : StorageException(message);
