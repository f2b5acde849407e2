namespace Cep.Engine.Runtime;

/// <summary>What a query does with a record it cannot read (it does not deserialize, or has no usable timestamp).</summary>
public enum ErrorPolicy
{
    /// <summary>Stop the query with an error naming topic/partition/offset (the default).</summary>
    Stop,

    /// <summary>Append the record, with the error and its origin in headers, to the dead-letter topic and go on.</summary>
    DeadLetter,
}
