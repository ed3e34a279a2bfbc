import Foundation
import Testing
@testable import CeilingEngine

@Suite("Whole models: adjoint identity, batched directions, glue")
struct ModelAdjointTests {
    let directory = TemporaryDirectory()

    /// A residual classifier with glue: range map, normalisation and resize before the network.
    func residualClassifier() throws -> Model {
        var b = ModelBuilder()
        b.inputShape = [3, 6, 6]
        b.glue = #"{"range": {"from": [-1, 1], "to": [0, 1]}, "normalize": {"mean": [0.4, 0.5, 0.6], "std": [0.2, 0.25, 0.3]}, "resize": [8, 8]}"#
        b.node("stem", "conv2d", inputs: ["input"], attrs: ["stride": [1, 1], "padding": [1, 1], "dilation": [1, 1]],
               params: ["weight": ([4, 3, 3, 3], randomValues(108, seed: 21, scale: 0.3))])
        b.node("stem_act", "elu", inputs: ["stem"], attrs: ["alpha": 1.0])
        b.node("branch", "conv2d", inputs: ["stem_act"], attrs: ["stride": [1, 1], "padding": [1, 1], "dilation": [1, 1]],
               params: ["weight": ([4, 4, 3, 3], randomValues(144, seed: 22, scale: 0.3)), "bias": ([4], randomValues(4, seed: 23))])
        b.node("sum", "add", inputs: ["branch", "stem_act"])
        b.node("act", "tanh", inputs: ["sum"])
        b.node("pool", "adaptive_avg_pool2d", inputs: ["act"], attrs: ["output_size": [1, 1]])
        b.node("flat", "flatten", inputs: ["pool"])
        b.node("fc", "linear", inputs: ["flat"], params: ["weight": ([5, 4], randomValues(20, seed: 24)), "bias": ([5], randomValues(5, seed: 25))])
        b.node("probs", "log_softmax", inputs: ["fc"])
        return try Model.load(b.write(to: directory.path("residual.bin")))
    }

    /// A DCGAN-like generator: linear, reshape, transposed convolutions, batch norm, tanh.
    func smallGenerator() throws -> Model {
        var b = ModelBuilder()
        b.role = "generator"
        b.inputShape = [5]
        b.node("project", "linear", inputs: ["input"], params: ["weight": ([32, 5], randomValues(160, seed: 31))])
        b.node("shape", "reshape", inputs: ["project"], attrs: ["shape": [8, 2, 2]])
        b.node("bn", "batch_norm", inputs: ["shape"], attrs: ["eps": 1e-5],
               params: ["running_mean": ([8], randomValues(8, seed: 32)), "running_var": ([8], (0..<8).map { 0.5 + Float($0) / 4 })])
        b.node("relu", "relu", inputs: ["bn"])
        b.node("up", "conv_transpose2d", inputs: ["relu"], attrs: ["stride": [2, 2], "padding": [1, 1], "output_padding": [0, 0], "dilation": [1, 1]],
               params: ["weight": ([8, 3, 4, 4], randomValues(384, seed: 33, scale: 0.3)), "bias": ([3], randomValues(3, seed: 34))])
        b.node("out", "tanh", inputs: ["up"])
        return try Model.load(b.write(to: directory.path("generator.bin")))
    }

    @Test func glueIsPartOfTheClassifier() throws {
        let model = try residualClassifier()
        #expect(model.glueNodeCount == 3)
        #expect(model.inputShape == [3, 6, 6])
        #expect(model.graph.shape(of: 3) == [3, 8, 8])
        #expect(model.classCount == 5)
        #expect(model.logits == model.graph.output - 1)
    }

    @Test func generatorShapes() throws {
        let model = try smallGenerator()
        #expect(model.role == .generator && model.inputSize == 5 && model.outputShape == [3, 4, 4])
        #expect(model.prior?.isStandardNormal == true)
    }

    @Test func adjointIdentityOnWholeModels() throws {
        for model in [try residualClassifier(), try smallGenerator()] {
            let x = randomTensor([3] + model.inputShape, seed: 41)
            let trace = model.graph.trace(x)
            let v = randomTensor([6] + model.inputShape, seed: 42)
            let u = randomTensor([6] + model.outputShape, seed: 43)
            let lhs = model.graph.jvp(trace, tangent: v).dot(u)
            let rhs = v.dot(model.graph.vjp(trace, cotangent: u))
            #expect(relativeError(lhs, rhs) < 1e-4, "\(model.path): \(lhs) vs \(rhs)")
        }
    }

    /// One backward pass with R * N cotangents equals R separate passes.
    @Test func batchedCotangentsMatchSeparatePasses() throws {
        let model = try residualClassifier()
        let x = randomTensor([2] + model.inputShape, seed: 51)
        let trace = model.graph.trace(x, until: model.logits)
        let u = randomTensor([6, model.classCount], seed: 52)
        let together = model.graph.vjp(trace, cotangent: u, at: model.logits)
        for r in 0..<3 {
            let alone = model.graph.vjp(trace, cotangent: u.samples((2 * r)..<(2 * r + 2)), at: model.logits)
            #expect(maxRelativeError(together.samples((2 * r)..<(2 * r + 2)), alone) < 1e-6)
        }
    }
}
