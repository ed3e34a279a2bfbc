import CeilingEngine
import Foundation
import Testing
@testable import CeilingScience

@Suite("Modulus of continuity: certified Lipschitz bound")
struct ModulusCertificateTests {
    static func gaussian(_ rng: inout SeededGenerator, _ count: Int, scale: Double = 1) -> [Float] {
        (0..<count).map { _ in Float(rng.gaussian() * scale) }
    }

    @Test("power iteration on a convolution with folded batch norm matches the dense matrix")
    func convolutionWithBatchNorm() throws {
        var rng = SeededGenerator(seed: 2)
        var b = GraphBuilder(inputShape: [2, 5, 5])
        b.add("conv", Conv2d(weight: Self.gaussian(&rng, 3 * 2 * 9, scale: 0.3), bias: Self.gaussian(&rng, 3), inChannels: 2, outChannels: 3,
                             kernel: (3, 3), stride: (2, 2), padding: (1, 1), dilation: (1, 1)))
        b.add("bn", ChannelAffine.batchNorm(mean: [0.1, -0.2, 0.3], variance: [0.5, 2, 1], weight: [1.5, 0.5, -1], bias: [0, 0, 1], eps: 1e-5))
        let graph = try b.build()
        let dense = denseMatrix(of: graph)
        let sigma = largestSingularValue(dense.values, columns: dense.columns)
        let certificate = try LipschitzCertificate(graph)
        #expect(certificate.factors.count == 1)
        #expect(certificate.factors[0].name == "conv + bn")
        #expect(certificate.constant >= sigma)
        #expect(certificate.constant / sigma - 1 < 2e-4)
        // Folding is tighter than multiplying the convolution's norm by max |scale|.
        var convOnly = GraphBuilder(inputShape: [2, 5, 5])
        convOnly.add("conv", graph.nodes[0].operation)
        let separate = try LipschitzCertificate(try convOnly.build()).constant
            * (graph.nodes[1].operation as! ChannelAffine).scale.map { abs(Double($0)) }.max()!
        #expect(certificate.constant <= separate * (1 + 1e-6))
    }

    @Test("transposed convolution, average pooling and bilinear resizing match their dense matrices")
    func otherLinearLayers() throws {
        var rng = SeededGenerator(seed: 4)
        let layers: [any NetworkOperation] = [
            ConvTranspose2d(weight: Self.gaussian(&rng, 2 * 3 * 16, scale: 0.2), bias: nil, inChannels: 2, outChannels: 3, kernel: (4, 4),
                            stride: (2, 2), padding: (1, 1), outputPadding: (0, 0), dilation: (1, 1)),
            AvgPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: false),
            ResizeBilinear(size: (7, 3)),
        ]
        for layer in layers {
            var b = GraphBuilder(inputShape: [2, 4, 5])
            b.add("layer", layer)
            let graph = try b.build()
            let dense = denseMatrix(of: graph)
            let sigma = largestSingularValue(dense.values, columns: dense.columns)
            let certificate = try LipschitzCertificate(graph)
            #expect(certificate.constant >= sigma, "\(layer.kind)")
            #expect(certificate.constant / sigma - 1 < 2e-4, "\(layer.kind)")
        }
    }

    @Test("activations, max pooling, softmax: known constants")
    func nonlinearities() throws {
        let cases: [(any NetworkOperation, [Int], Double)] = [
            (Activation(.relu), [4], 1), (Activation(.tanh), [4], 1), (Activation(.sigmoid), [4], 0.25),
            (Activation(.leakyReLU(slope: 0.2)), [4], 1), (Activation(.leakyReLU(slope: -3)), [4], 3),
            (Activation(.elu(alpha: 1.5)), [4], 1.5),
            (MaxPool2d(kernel: (2, 2), stride: (2, 2), padding: (0, 0)), [1, 6, 6], 1),
            (MaxPool2d(kernel: (3, 3), stride: (2, 2), padding: (1, 1)), [1, 8, 8], 2),
            (MaxPool2d(kernel: (3, 3), stride: (1, 1), padding: (0, 0)), [1, 8, 8], 3),
            (Softmax(log: false), [4], 1), (Softmax(log: true), [4], 3),
        ]
        for (op, shape, expected) in cases {
            var b = GraphBuilder(inputShape: shape)
            b.add("op", op)
            let certificate = try LipschitzCertificate(try b.build())
            #expect(certificate.constant == expected, "\(op.kind) \(shape)")
        }
    }

    @Test("max pooling's bound holds: sampled ratios of overlapping windows stay below sqrt(cover)")
    func maxPoolBoundHolds() throws {
        var b = GraphBuilder(inputShape: [1, 5, 5])
        b.add("pool", MaxPool2d(kernel: (3, 3), stride: (1, 1), padding: (0, 0)))
        let graph = try b.build()
        let constant = try LipschitzCertificate(graph).constant
        // The worst case: raise the one input every window covers.
        var x = Tensor(zeros: [1, 1, 5, 5])
        let y0 = graph.evaluate(x)
        x.data[12] = 1
        let y1 = graph.evaluate(x)
        let ratio = zip(y0.data, y1.data).reduce(0.0) { $0 + Double(($1.1 - $1.0) * ($1.1 - $1.0)) }.squareRoot()
        #expect(ratio == 3)
        #expect(constant >= ratio)
    }

    @Test("a residual graph: additions sum their inputs' bounds; shared values are not folded")
    func residual() throws {
        var rng = SeededGenerator(seed: 9)
        var b = GraphBuilder(inputShape: [6])
        let first = b.add("fc1", Linear(weight: Self.gaussian(&rng, 36, scale: 0.4), bias: nil, inFeatures: 6, outFeatures: 6))
        b.add("relu", Activation(.relu))
        let branch = b.add("fc2", Linear(weight: Self.gaussian(&rng, 36, scale: 0.4), bias: nil, inFeatures: 6, outFeatures: 6))
        b.add("add", Add(), inputs: [branch, first])
        let graph = try b.build()
        let certificate = try LipschitzCertificate(graph)
        let norms = Dictionary(uniqueKeysWithValues: certificate.factors.map { ($0.name, $0.norm) })
        #expect(norms.keys.sorted() == ["fc1", "fc2", "relu"])
        let expected = norms["fc1"]! * norms["fc2"]! + norms["fc1"]!
        #expect(abs(certificate.constant - expected) < 1e-12)
    }

    @Test("the certificate stops at a chosen value and ignores branches the output does not use")
    func stopsAtValue() throws {
        var b = GraphBuilder(inputShape: [1])
        b.add("scale", ChannelAffine(kind: "affine", scale: [2], shift: [1]))
        let logits = b.add("tanh", Activation(.tanh))
        b.add("custom", CircleMap(), inputs: [0])
        b.add("softmax", Softmax(log: false), inputs: [logits])
        let graph = try b.build()
        #expect(try LipschitzCertificate(graph).constant == 2)
        #expect(try LipschitzCertificate(graph, at: logits).constant == 2)
        #expect(throws: ModulusError.uncertifiable(node: "custom", kind: "circle")) { try LipschitzCertificate(graph, at: 3) }
    }
}
