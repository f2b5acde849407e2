namespace Cep.Engine;

/// <summary>
/// User code inside an operator (a predicate, selector, key selector, aggregate) threw. Names
/// the operator and the event's origin in the log, so the message says where to look.
/// </summary>
public sealed class OperatorException : Exception
{
    public OperatorException(string operatorName, EventOrigin origin, Exception inner)
        : base($"operator '{operatorName}' failed on {origin}: {inner.Message}", inner)
    {
        OperatorName = operatorName;
        Origin = origin;
    }

    public string OperatorName { get; }

    public EventOrigin Origin { get; }
}
