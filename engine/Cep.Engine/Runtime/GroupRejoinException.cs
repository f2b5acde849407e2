namespace Cep.Engine.Runtime;

/// <summary>The group refused a call: the member must join again (as a new member when <see cref="ResetMemberId"/>).</summary>
public sealed class GroupRejoinException(string message, bool resetMemberId) : Exception(message)
{
    public bool ResetMemberId { get; } = resetMemberId;
}
