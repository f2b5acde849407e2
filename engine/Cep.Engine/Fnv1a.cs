using System.Text;

namespace Cep.Engine;

/// <summary>FNV-1a (64-bit) over a string's UTF-8 bytes: stable across processes and runtimes, unlike string.GetHashCode, for ids and fingerprints that are persisted. Thread-safe (pure).</summary>
internal static class Fnv1a
{
    public static ulong Hash(string text)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }
        return hash;
    }
}
