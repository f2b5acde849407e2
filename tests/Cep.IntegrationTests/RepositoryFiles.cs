namespace Cep.IntegrationTests;

/// <summary>Files of the repository the tests run from (examples, scripts), found by walking up to Cep.sln.</summary>
internal static class RepositoryFiles
{
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cep.sln")))
            {
                directory = directory.Parent;
            }
            return directory?.FullName ?? throw new InvalidOperationException($"no Cep.sln above {AppContext.BaseDirectory}");
        }
    }

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);
}
