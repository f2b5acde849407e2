using System.Collections;
using System.Text.Json;

namespace Cep.Cli.Commands;

/// <summary>
/// Configuration below the flags: a <c>cep.json</c> file (<c>--config-file PATH</c>, else
/// <c>$CEP_CONFIG_FILE</c>, else <c>./cep.json</c> when it exists) and <c>CEP_…</c> environment
/// variables. Precedence rising: built-in default, file, environment, flag. A key is a flag's
/// long name without the dashes (<c>"checkpoint-interval"</c>), its variable the same in capitals
/// with underscores (<c>CEP_CHECKPOINT_INTERVAL</c>). Script settings, read by queries through
/// <c>Config</c>, sit under <c>"settings": {"&lt;query&gt;": {…}}</c> or in
/// <c>CEP_SETTINGS__&lt;query&gt;__&lt;key&gt;</c>. Unknown keys and variables are errors, so a typo
/// never goes unnoticed. Immutable once loaded.
/// </summary>
internal sealed class CliSettings
{
    /// <summary>The keys a file or the environment may set, each the long name of a flag that takes it.</summary>
    public static readonly IReadOnlyList<string> Keys = ["data", "server", "output", "http", "kafka", "kafka-max-connections", "kafka-max-request-bytes", "queries", "checkpoint-interval", "workers", "join", "node-id", "controllers", "replication-factor", "broker-session-timeout", "changelog", "standby-replicas", "session-timeout"];

    private const string EnvironmentPrefix = "CEP_";
    private const string SettingsKey = "settings";
    private const string SettingsVariablePrefix = "CEP_SETTINGS__";
    private const string FileVariable = "CEP_CONFIG_FILE";

    private readonly Dictionary<string, string> _values;

    private CliSettings(Dictionary<string, string> values, Dictionary<string, string> scriptSettings, string? file)
    {
        _values = values;
        ScriptSettings = scriptSettings;
        File = file;
    }

    /// <summary>What the commands see when nothing was loaded (tests of single verbs).</summary>
    public static CliSettings Current { get; set; } = new([], [], null);

    /// <summary>The file read, if any.</summary>
    public string? File { get; }

    /// <summary>Script settings as configuration paths (<c>fraud:largeAmount</c> → value), file then environment.</summary>
    public IReadOnlyDictionary<string, string> ScriptSettings { get; }

    /// <summary>The value of <paramref name="key"/> from the environment, else the file; null when neither sets it.</summary>
    public string? Get(string key) => _values.GetValueOrDefault(key);

    /// <summary>
    /// Reads the file (if any) and the <c>CEP_</c> variables of <paramref name="environment"/>.
    /// Throws <see cref="FormatException"/> naming the file or variable when a key is unknown or
    /// the file is not a JSON object of strings, numbers and booleans.
    /// </summary>
    public static CliSettings Load(string? file, IDictionary environment)
    {
        file ??= environment[FileVariable] as string is { Length: > 0 } fromVariable ? fromVariable
            : System.IO.File.Exists("cep.json") ? "cep.json" : null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var scriptSettings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (file is not null)
        {
            ReadFile(file, values, scriptSettings);
        }
        foreach (DictionaryEntry variable in environment)
        {
            string name = (string)variable.Key;
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.Ordinal) || name == FileVariable || variable.Value is not string value)
            {
                continue;
            }
            if (name.StartsWith(SettingsVariablePrefix, StringComparison.Ordinal))
            {
                scriptSettings[name[SettingsVariablePrefix.Length..].Replace("__", ":", StringComparison.Ordinal)] = value;
                continue;
            }
            string key = name[EnvironmentPrefix.Length..].ToLowerInvariant().Replace('_', '-');
            if (!Keys.Contains(key))
            {
                throw new FormatException($"environment variable {name}: unknown setting; known: {string.Join(", ", Keys.Select(VariableName))}, CEP_SETTINGS__<query>__<key>, {FileVariable}");
            }
            values[key] = value;
        }
        return new CliSettings(values, scriptSettings, file);
    }

    /// <summary>The environment variable that sets <paramref name="key"/>.</summary>
    public static string VariableName(string key) => EnvironmentPrefix + key.ToUpperInvariant().Replace('-', '_');

    /// <summary>The <c>--config-file</c> flag's value, taken before parsing because every flag's default depends on it.</summary>
    public static string? FileFlag(string[] args)
    {
        int at = Array.IndexOf(args, "--config-file");
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : args.FirstOrDefault(a => a.StartsWith("--config-file=", StringComparison.Ordinal))?["--config-file=".Length..];
    }

    private static void ReadFile(string file, Dictionary<string, string> values, Dictionary<string, string> scriptSettings)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(System.IO.File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            root = document.RootElement.Clone();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"{file}: cannot read the configuration file ({e.Message})");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{file}:{e.LineNumber + 1}:{e.BytePositionInLine + 1}: not valid JSON ({e.Message})");
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{file}: expected a JSON object of settings");
        }
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name == SettingsKey)
            {
                Flatten(file, SettingsKey, property.Value, "", scriptSettings);
            }
            else if (Keys.Contains(property.Name))
            {
                values[property.Name] = Scalar(file, property.Name, property.Value);
            }
            else
            {
                throw new FormatException($"{file}: unknown key '{property.Name}'; known: {string.Join(", ", Keys)}, {SettingsKey}");
            }
        }
    }

    private static void Flatten(string file, string at, JsonElement element, string prefix, Dictionary<string, string> into)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            into[prefix] = Scalar(file, at, element);
            return;
        }
        foreach (var property in element.EnumerateObject())
        {
            Flatten(file, $"{at}.{property.Name}", property.Value, prefix.Length == 0 ? property.Name : $"{prefix}:{property.Name}", into);
        }
    }

    private static string Scalar(string file, string key, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => throw new FormatException($"{file}: '{key}' must be a string, a number or a boolean"),
    };
}
