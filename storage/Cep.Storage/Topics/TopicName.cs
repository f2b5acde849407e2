namespace Cep.Storage.Topics;

/// <summary>Kafka's topic naming rules: 1–249 characters of [a-zA-Z0-9._-], and not "." or "..".</summary>
public static class TopicName
{
    public const int MaxLength = 249;

    public static void Validate(string name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new InvalidTopicException("topic name is empty");
        }
        if (name is "." or "..")
        {
            throw new InvalidTopicException($"topic name '{name}' is not allowed");
        }
        if (name.Length > MaxLength)
        {
            throw new InvalidTopicException($"topic name '{name[..20]}…' is {name.Length} characters; the limit is {MaxLength}");
        }
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                throw new InvalidTopicException($"topic name '{name}' has '{c}' at position {i + 1}; allowed are ASCII letters, digits, '.', '_' and '-'");
            }
        }
    }

    /// <summary>Names that Kafka treats as colliding in metric names ('.' and '_' are the same there).</summary>
    public static string CollisionKey(string name) => name.Replace('.', '_');
}
