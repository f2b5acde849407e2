namespace Cep.Broker.Protocol;

/// <summary>A request or response body of the Kafka protocol that reads and writes itself in a given version (generated from the schemas).</summary>
public interface IKafkaMessage
{
    void Read(ref KafkaReader reader, short version);

    void Write(KafkaWriter writer, short version);
}
