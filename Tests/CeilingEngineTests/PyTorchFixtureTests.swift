import Foundation
import Testing
@testable import CeilingEngine

/// One reference model from `Fixtures/manifest.json` (written by scripts/make_fixtures.py).
struct PyTorchFixture: Decodable, CustomTestStringConvertible, Sendable {
    struct Files: Decodable, Sendable {
        let model: String, input: String, output: String, cotangent: String
        let grad_input: String
    }
    let name: String
    let description: String
    let files: Files
    var testDescription: String { name }

    func path(_ file: String) -> String { fixturesDirectory.appendingPathComponent(file).path }

    static let all: [PyTorchFixture] = {
        struct Manifest: Decodable { let models: [PyTorchFixture] }
        let data = try! Data(contentsOf: fixturesDirectory.appendingPathComponent("manifest.json"))
        return try! JSONDecoder().decode(Manifest.self, from: data).models
    }()
}

/// The engine against PyTorch on the same weights and inputs: outputs to 1e-4 and input
/// gradients of a random linear functional to 1e-3, in max|a - b| / max|b|.
@Suite("Engine matches PyTorch")
struct PyTorchFixtureTests {
    @Test func everyArchitectureIsCovered() {
        let names = Set(PyTorchFixture.all.map(\.name))
        for required in ["dcgan64", "dcgan32_four_stage", "dcgan32_one_by_one", "cifar_resnet18", "torchvision_resnet18",
                         "lenet5_relu", "lenet5_tanh", "mlp_generator", "vae_decoder", "glue_classifier", "dataparallel"] {
            #expect(names.contains(required), "no fixture for \(required)")
        }
    }

    @Test(arguments: PyTorchFixture.all)
    func outputsAndGradientsMatch(_ fixture: PyTorchFixture) throws {
        let model = try Model.load(fixture.path(fixture.files.model))
        let x = try NPY.read(fixture.path(fixture.files.input))
        let expected = try NPY.read(fixture.path(fixture.files.output))
        let u = try NPY.read(fixture.path(fixture.files.cotangent))
        let expectedGrad = try NPY.read(fixture.path(fixture.files.grad_input))
        let trace = model.graph.trace(x)
        let y = trace.value(model.graph.output)
        try #require(y.shape == expected.shape, "output shape \(y.shape) vs PyTorch \(expected.shape)")
        let outputError = maxRelativeError(y, expected)
        #expect(outputError < 1e-4, "\(fixture.name): output error \(outputError)")
        let grad = model.graph.vjp(trace, cotangent: u)
        let gradError = maxRelativeError(grad, expectedGrad)
        #expect(gradError < 1e-3, "\(fixture.name): gradient error \(gradError)")
    }

    /// The ResNet fixtures run some of their layers on Winograd, forward and backward, so that the
    /// comparisons above cover its rounding.
    @Test(arguments: PyTorchFixture.all.filter { $0.name.hasSuffix("resnet18") })
    func resNetsRunWinograd(_ fixture: PyTorchFixture) throws {
        let graph = try Model.load(fixture.path(fixture.files.model)).graph
        let winograd = graph.nodes.filter { node in
            guard let conv = node.operation as? Conv2d else { return false }
            let plane = graph.shape(of: node.inputs[0])
            return [.forward(bias: conv.bias != nil), .backward(bias: false)].allSatisfy {
                conv.convolution.runsWinograd($0, samples: 1, height: plane[1], width: plane[2])
            }
        }
        #expect(winograd.count >= 4, "\(fixture.name): \(winograd.count) layers on Winograd")
    }

    /// <J v, u> = <v, J^T u> with u = J v plus noise: a random u alone makes <J v, u> a sum of
    /// thousands of terms that cancel, and float32 rounding then dominates the comparison.
    @Test(arguments: PyTorchFixture.all)
    func jvpIsAdjointToVJP(_ fixture: PyTorchFixture) throws {
        let model = try Model.load(fixture.path(fixture.files.model))
        let x = try NPY.read(fixture.path(fixture.files.input))
        let trace = model.graph.trace(x)
        let v = randomTensor(x.shape, seed: 7)
        let jv = model.graph.jvp(trace, tangent: v)
        let noise = randomTensor(jv.shape, seed: 8)
        let scale = Float((jv.dot(jv) / Double(jv.count)).squareRoot())
        let u = Tensor(shape: jv.shape, data: zip(jv.data, noise.data).map { $0 + scale * $1 })
        let lhs = jv.dot(u)
        let rhs = v.dot(model.graph.vjp(trace, cotangent: u))
        #expect(relativeError(lhs, rhs) < 1e-4, "\(fixture.name): <Jv,u> = \(lhs), <v,J^T u> = \(rhs)")
    }

    /// Every broken file the exporter's script wrote is refused with an error, never loaded.
    @Test func brokenFilesAreRefused() throws {
        let folder = fixturesDirectory.appendingPathComponent("invalid")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".bin") }
        #expect(files.count >= 10)
        for file in files {
            #expect(throws: ModelFileError.self, "\(file) loaded") { try Model.load(folder.appendingPathComponent(file).path) }
        }
    }
}
