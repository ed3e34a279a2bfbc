import Foundation
import Testing
@testable import CeilingEngine

/// One bundled model's PyTorch reference (`Fixtures/bundled_reference.json`, written by
/// scripts/make_bundled_references.py from the weights in the committed .bin files).
struct BundledReference: Decodable, CustomTestStringConvertible, Sendable {
    let file: String
    let kind: String
    let output_shape: [Int]
    let output: [Float]
    let input: [Float]?
    let input_shape: [Int]?
    let real_images: Int?
    var testDescription: String { file }

    private struct Entry: Decodable {
        let kind: String, output_shape: [Int], output: [Float]
        let input: [Float]?, input_shape: [Int]?, real_images: Int?
    }

    static let all: [BundledReference] = {
        struct Document: Decodable { let models: [String: Entry] }
        let data = try! Data(contentsOf: fixturesDirectory.appendingPathComponent("bundled_reference.json"))
        return try! JSONDecoder().decode(Document.self, from: data).models.sorted { $0.key < $1.key }.map {
            BundledReference(file: $0.key, kind: $0.value.kind, output_shape: $0.value.output_shape, output: $0.value.output,
                             input: $0.value.input, input_shape: $0.value.input_shape, real_images: $0.value.real_images)
        }
    }()
}

/// The repository's `generators/` folder, where the default run finds its models.
let bundledModelsDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("generators")

/// Every bundled model loads and gives PyTorch's output on known inputs: the generator on fixed
/// latent vectors, the classifiers on the first bundled real images.
@Suite("Bundled models")
struct BundledModelTests {
    @Test func everyBundledModelHasAReference() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: bundledModelsDirectory.path).filter { $0.hasSuffix(".bin") }
        #expect(Set(files) == Set(BundledReference.all.map(\.file)))
    }

    @Test(arguments: BundledReference.all)
    func outputMatchesPyTorch(_ reference: BundledReference) throws {
        let model = try Model.load(bundledModelsDirectory.appendingPathComponent(reference.file).path)
        let x: Tensor
        if let input = reference.input, let shape = reference.input_shape {
            #expect(model.role == .generator)
            x = Tensor(shape: shape, data: input)
        } else {
            #expect(model.role == .classifier)
            let real = try NPY.read(bundledModelsDirectory.appendingPathComponent("real_digits.npy").path)
            let n = try #require(reference.real_images)
            let perImage = real.count / real.shape[0]
            x = Tensor(shape: [n] + Array(real.shape.dropFirst()), data: Array(real.data[0..<(n * perImage)]))
        }
        let y = model.graph.trace(x).value(model.graph.output)
        let expected = Tensor(shape: reference.output_shape, data: reference.output)
        try #require(y.shape == expected.shape)
        let error = maxRelativeError(y, expected)
        #expect(error < 1e-4, "\(reference.file): error \(error) against PyTorch; if the model was re-exported, re-run scripts/make_bundled_references.py")
    }
}
