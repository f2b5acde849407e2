using System.Reflection;

namespace Cep.Broker.Protocol;

/// <summary>The generated constants of a message class (API key, version range, first flexible version), read once per type.</summary>
public static class MessageInfo<TMessage>
    where TMessage : IKafkaMessage
{
    public static short ApiKey { get; } = Constant("ApiKey");

    public static short LowestVersion { get; } = Constant("LowestVersion");

    public static short HighestVersion { get; } = Constant("HighestVersion");

    public static short FlexibleVersion { get; } = Constant("FlexibleVersion");

    private static short Constant(string name) =>
        (short)typeof(TMessage).GetField(name, BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;
}
