import CeilingEngine
import CeilingONNX
import Foundation
import Testing

/// The folder of committed ONNX fixtures (scripts/make_onnx_fixtures.py).
let onnxFixtures: URL = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")

/// One model exported to ONNX from a module of scripts/make_fixtures.py, with PyTorch's output
/// and input gradient on a batch.
struct ONNXFixture: Decodable, CustomTestStringConvertible, Sendable {
    let name: String
    let exporter: String
    let role: String
    let model: String
    let declaration: String?
    let input: String, output: String, cotangent: String, grad_input: String
    let operators: [String]
    var testDescription: String { "\(name) (\(exporter))" }

    func path(_ file: String) -> String { onnxFixtures.appendingPathComponent(file).path }

    func load() throws -> Model {
        let onnx = try ONNXModel(contentsOf: path(model))
        let declared = try declaration.map { try ModelDeclaration(contentsOf: path($0)) } ?? ModelDeclaration()
        return try onnx.model(declared, role: Model.Role(rawValue: role)!)
    }
}

/// A broken ONNX file and a piece of the error it must give.
struct BrokenONNX: Decodable, CustomTestStringConvertible, Sendable {
    let name: String
    let file: String
    let error_should_mention: String
    var testDescription: String { name }
}

struct ONNXManifest: Decodable {
    let models: [ONNXFixture]
    let invalid_models: [BrokenONNX]

    static let shared: ONNXManifest = {
        let data = try! Data(contentsOf: onnxFixtures.appendingPathComponent("manifest.json"))
        return try! JSONDecoder().decode(ONNXManifest.self, from: data)
    }()
}

/// max|a - b| / max|b|, as the manifest's tolerances are stated.
func maxRelativeError(_ a: Tensor, _ b: Tensor) -> Double {
    let scale = b.data.reduce(0) { max($0, abs(Double($1))) }
    let difference = zip(a.data, b.data).reduce(0) { max($0, abs(Double($1.0) - Double($1.1))) }
    return difference / max(scale, 1e-30)
}

@Suite("ONNX files match PyTorch")
struct ONNXFixtureTests {
    @Test func bothExportersAndTheArchitecturesAreCovered() {
        let models = ONNXManifest.shared.models
        for exporter in ["torchscript", "dynamo"] {
            let names = Set(models.filter { $0.exporter == exporter }.map(\.name))
            for required in ["dcgan64", "lenet5_relu", "mlp_generator", "vae_decoder"] {
                #expect(names.contains(required), "no \(exporter) fixture for \(required)")
            }
        }
        let operators = Set(models.flatMap(\.operators))
        for required in ["Conv", "ConvTranspose", "BatchNormalization", "Gemm", "MatMul", "MaxPool", "AveragePool", "Reshape", "Flatten", "Add"] {
            #expect(operators.contains(required), "no fixture uses \(required)")
        }
    }

    @Test(arguments: ONNXManifest.shared.models)
    func outputsAndGradientsMatch(_ fixture: ONNXFixture) throws {
        let model = try fixture.load()
        let x = try NPY.read(fixture.path(fixture.input))
        let expected = try NPY.read(fixture.path(fixture.output))
        let u = try NPY.read(fixture.path(fixture.cotangent))
        let expectedGrad = try NPY.read(fixture.path(fixture.grad_input))
        let trace = model.graph.trace(x)
        let y = trace.value(model.graph.output)
        try #require(y.shape == expected.shape, "output shape \(y.shape) vs PyTorch \(expected.shape)")
        #expect(maxRelativeError(y, expected) < 1e-4, "\(fixture.testDescription): output error \(maxRelativeError(y, expected))")
        let grad = model.graph.vjp(trace, cotangent: u)
        #expect(maxRelativeError(grad, expectedGrad) < 1e-3, "\(fixture.testDescription): gradient error \(maxRelativeError(grad, expectedGrad))")
    }

    @Test(arguments: ONNXManifest.shared.invalid_models)
    func brokenFilesGiveOneClearError(_ broken: BrokenONNX) {
        let path = onnxFixtures.appendingPathComponent(broken.file).path
        do {
            let onnx = try ONNXModel(contentsOf: path)
            _ = try onnx.model(ModelDeclaration(), role: onnx.apparentRole)
            Issue.record("\(broken.name) loaded")
        } catch {
            #expect(error.description.contains(broken.error_should_mention), "\(broken.name): \(error.description)")
        }
    }
}
