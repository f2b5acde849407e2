namespace Cep.Broker.Codegen;

/// <summary>The schema files of a protocol folder (<c>Schemas/*.json</c>) and the message classes made from them (<c>Messages/&lt;Name&gt;.g.cs</c>).</summary>
public static class MessageFiles
{
    /// <summary>Every generated file by its name, from the schemas in <paramref name="protocolDirectory"/>.</summary>
    public static SortedDictionary<string, string> Generate(string protocolDirectory)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in Directory.GetFiles(Path.Combine(protocolDirectory, "Schemas"), "*.json").Order(StringComparer.Ordinal))
        {
            var schema = MessageSchema.Parse(File.ReadAllText(path));
            files[schema.Name + ".g.cs"] = MessageEmitter.Emit(schema, Path.GetFileName(path));
        }
        return files;
    }

    /// <summary>Writes the generated files (and deletes generated files no schema makes any more); returns how many were written.</summary>
    public static int Write(string protocolDirectory)
    {
        var files = Generate(protocolDirectory);
        string output = Path.Combine(protocolDirectory, "Messages");
        Directory.CreateDirectory(output);
        foreach (string stale in Directory.GetFiles(output, "*.g.cs").Where(f => !files.ContainsKey(Path.GetFileName(f))))
        {
            File.Delete(stale);
        }
        foreach (var (name, code) in files)
        {
            File.WriteAllText(Path.Combine(output, name), code);
        }
        return files.Count;
    }
}
