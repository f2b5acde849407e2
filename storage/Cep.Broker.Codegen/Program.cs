using Cep.Broker.Codegen;

// Regenerates storage/Cep.Broker/Protocol/Messages/*.g.cs from Protocol/Schemas/*.json:
//   dotnet run --project storage/Cep.Broker.Codegen [-- <repository root>]
// A test checks the committed files equal what this writes.
string root = args.Length > 0 ? args[0] : Directory.GetCurrentDirectory();
var written = MessageFiles.Write(Path.Combine(root, "storage", "Cep.Broker", "Protocol"));
Console.WriteLine($"wrote {written} message classes");
return 0;
