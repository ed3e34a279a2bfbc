import Foundation
import Testing

/// ONNX files on the command line: `convert` writes the layers a direct export writes, and
/// every broken file is one error line.
@Suite("ONNX files on the command line")
struct ONNXCommandTests {
    static let fixtures = CommandRunner.root.appendingPathComponent("Tests/CeilingONNXTests/Fixtures")
    static let engineFixtures = CommandRunner.root.appendingPathComponent("Tests/CeilingEngineTests/Fixtures")

    struct Broken: Decodable, Sendable, CustomTestStringConvertible {
        let name: String, file: String, error_should_mention: String
        var testDescription: String { name }
    }

    static let broken: [Broken] = {
        struct Manifest: Decodable { let invalid_models: [Broken] }
        let data = try! Data(contentsOf: fixtures.appendingPathComponent("manifest.json"))
        return try! JSONDecoder().decode(Manifest.self, from: data).invalid_models
    }()

    @Test(arguments: broken)
    func brokenFilesGiveOneErrorLine(_ broken: Broken) throws {
        let outcome = try CommandRunner.run(["inspect", Self.fixtures.appendingPathComponent(broken.file).path])
        BadInputTests.expectOneError(outcome, says: broken.error_should_mention, broken.name)
        #expect(outcome.status == 1, "\(broken.name): exit status \(outcome.status)")
    }

    /// The operation, output shape and parameter count of each layer `inspect` lists.
    static func layers(_ text: String) -> [[String]] {
        let lines = text.split(separator: "\n").map(String.init)
        guard let header = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("layer ") }) else { return [] }
        return lines[(header + 2)...].prefix { $0.hasPrefix("  ") && !$0.hasPrefix("  (") }.map { line in
            let cells = line.split(separator: "  ", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
            return [cells[1]] + cells.dropFirst(3)
        }
    }

    /// Models whose ONNX export keeps the layers of the direct export (torch.onnx folds a
    /// BatchNorm into the Conv before it, so those networks differ by design).
    @Test(arguments: [("dcgan64", "torchscript", "generator"), ("lenet5_relu", "torchscript", "classifier"),
                      ("mlp_generator", "dynamo", "generator"), ("vae_decoder", "torchscript", "generator")])
    func convertThenInspectShowsTheDirectExportsLayers(_ name: String, _ exporter: String, _ role: String) throws {
        let folder = try CommandRunner.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let converted = folder.appendingPathComponent("\(name).bin").path
        let convert = try CommandRunner.run(["convert", Self.fixtures.appendingPathComponent("\(name).\(exporter).onnx").path,
                                             "--out", converted, "--role", role])
        try #require(convert.status == 0, "\(convert.stderr)")
        let direct = try CommandRunner.run(["inspect", Self.engineFixtures.appendingPathComponent("\(name).bin").path])
        let viaONNX = try CommandRunner.run(["inspect", converted])
        try #require(direct.status == 0 && viaONNX.status == 0, "\(direct.stderr) \(viaONNX.stderr)")
        let expected = Self.layers(direct.stdout)
        #expect(!expected.isEmpty)
        #expect(Self.layers(viaONNX.stdout) == expected, "\(viaONNX.stdout)\n---\n\(direct.stdout)")
    }

    /// An ONNX file works where a .bin does, and gives what its conversion gives.
    @Test func forwardOnTheONNXFileEqualsForwardOnItsConversion() throws {
        let folder = try CommandRunner.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let onnx = Self.fixtures.appendingPathComponent("lenet5_relu.dynamo.onnx").path
        let input = Self.fixtures.appendingPathComponent("lenet5_relu.input.npy").path
        let bin = folder.appendingPathComponent("l.bin").path
        #expect(try CommandRunner.run(["convert", onnx, "--out", bin]).status == 0)
        let a = folder.appendingPathComponent("a.npy").path, b = folder.appendingPathComponent("b.npy").path
        #expect(try CommandRunner.run(["forward", onnx, "--input", input, "--output", a]).status == 0)
        #expect(try CommandRunner.run(["forward", bin, "--input", input, "--output", b]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
    }
}
